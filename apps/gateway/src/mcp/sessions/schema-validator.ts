import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';

/**
 * One JSON Schema validator for every protocol server the gateway builds. A server builds its
 * own by default (a fresh Ajv instance: a tenth of the CPU of a stateless request); the gateway
 * relays elicitation answers instead of validating them, so one shared instance is plenty.
 */
export const SHARED_SCHEMA_VALIDATOR = new AjvJsonSchemaValidator();
