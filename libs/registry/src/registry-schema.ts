import { Gateway } from './entities/gateway.entity';
import { Tool } from './entities/tool.entity';
import { CreateRegistry1767225600000 } from './migrations/1767225600000-create-registry';
import { AddUpstreamPollingOverrides1767312000000 } from './migrations/1767312000000-add-upstream-polling-overrides';
import { AddUpstreamSecretPath1767398400000 } from './migrations/1767398400000-add-upstream-secret-path';
import { AddUpstreamHealthFailures1767484800000 } from './migrations/1767484800000-add-upstream-health-failures';
import { AddMcpFeatures1767571200000 } from './migrations/1767571200000-add-mcp-features';

/** Every entity of the registry, for a DataSource's `entities`. */
export const REGISTRY_ENTITIES = [Gateway, Tool];

/** Every migration of the registry, oldest first. */
export const REGISTRY_MIGRATIONS = [
  CreateRegistry1767225600000,
  AddUpstreamPollingOverrides1767312000000,
  AddUpstreamSecretPath1767398400000,
  AddUpstreamHealthFailures1767484800000,
  AddMcpFeatures1767571200000,
];
