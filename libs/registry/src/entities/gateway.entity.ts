import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { storedDiscoveryInterval, storedPin } from '../polling-overrides';
import type { UpstreamPin, UpstreamTransport } from '../types';

/**
 * A registered upstream MCP server. Column types are spelled so that the same entity maps onto
 * SQLite and PostgreSQL; the schema itself comes from the migrations, never from synchronize.
 */
@Entity({ name: 'gateways' })
@Index('UQ_gateways_name', ['name'], { unique: true })
export class Gateway {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /**
   * Canonical URL (no user info, query or fragment; with `secretPath`, a digest instead of the
   * path): what classification, Redis and logs see.
   */
  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** The URL as registered, credentials included. Loaded only when selected explicitly. */
  @Column({ type: 'text', select: false })
  connectionUrl!: string;

  @Column({ type: 'boolean', default: false })
  hasCredentials!: boolean;

  /** The path of `connectionUrl` is a secret too (migration 1767398400000); `url` then holds its digest. */
  @Column({ type: 'boolean', default: false })
  secretPath!: boolean;

  @Column({ type: 'varchar', length: 32 })
  transport!: UpstreamTransport;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  // Set by the service rather than by @UpdateDateColumn, so that recording a health check
  // does not count as a change of the registration.
  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;

  @Column({ type: 'boolean', nullable: true })
  lastHealthOk!: boolean | null;

  @Column({ type: 'text', nullable: true })
  lastHealthError!: string | null;

  @Column({ type: Date, nullable: true })
  lastHealthAt!: Date | null;

  @Column({ type: Date, nullable: true })
  lastSeenAt!: Date | null;

  /** Failed health checks in a row (migration 1767484800000); 0 after any success. */
  @Column({ type: 'integer', default: 0 })
  healthFailures!: number;

  // Polling overrides (migration 1767312000000). Read through a check, so that a value
  // edited into the database by hand reads as "no override" instead of reaching the pollers.
  @Column({ type: 'varchar', length: 8, nullable: true, transformer: { from: storedPin, to: keep } })
  pin!: UpstreamPin | null;

  @Column({ type: 'integer', nullable: true, transformer: { from: storedDiscoveryInterval, to: keep } })
  discoveryIntervalSeconds!: number | null;

  /**
   * JSON of the upstream's capabilities, resources, templates and prompts from its last
   * discovery (migration 1767484800000); validated where it is read. Loaded only when selected.
   */
  @Column({ type: 'text', nullable: true, select: false })
  mcpFeatures?: string | null;
}

/** Writes go through as they are: the UpstreamsService has validated them. */
function keep<T>(value: T): T {
  return value;
}
