import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { UpstreamTransport } from '../types';

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

  /** Canonical URL (no user info, query or fragment): what classification, Redis and logs see. */
  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** The URL as registered, credentials included. Loaded only when selected explicitly. */
  @Column({ type: 'text', select: false })
  connectionUrl!: string;

  @Column({ type: 'boolean', default: false })
  hasCredentials!: boolean;

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
}
