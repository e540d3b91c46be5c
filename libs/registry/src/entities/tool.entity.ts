import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Gateway } from './gateway.entity';

/** A tool an upstream reported in its last successful discovery. */
@Entity({ name: 'tools' })
@Index('UQ_tools_gateway_name', ['gatewayId', 'name'], { unique: true })
export class Tool {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  gatewayId!: string;

  @ManyToOne(() => Gateway, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'gatewayId', foreignKeyConstraintName: 'FK_tools_gateway' })
  gateway?: Gateway;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'simple-json' })
  inputSchema!: Record<string, unknown>;

  /** JSON of the tool as the upstream described it (migration 1767484800000); validated where it is read. */
  @Column({ type: 'text', nullable: true })
  definition!: string | null;

  @Column({ type: Date })
  createdAt!: Date;

  @Column({ type: Date })
  updatedAt!: Date;
}
