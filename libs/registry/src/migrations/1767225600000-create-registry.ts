import {
  Table,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

/** Column types that differ between the two supported databases; everything else is shared. */
function dialect(queryRunner: QueryRunner): { id: TableColumnOptions; timestamp: string } {
  const postgres = queryRunner.connection.driver.options.type === 'postgres';
  return {
    // On PostgreSQL the id defaults to gen_random_uuid() (core since 13); on SQLite TypeORM fills it in.
    id: postgres
      ? { name: 'id', type: 'uuid', isPrimary: true, isGenerated: true, generationStrategy: 'uuid' }
      : { name: 'id', type: 'varchar', length: '36', isPrimary: true },
    timestamp: postgres ? 'timestamptz' : 'datetime',
  };
}

export class CreateRegistry1767225600000 implements MigrationInterface {
  name = 'CreateRegistry1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, timestamp } = dialect(queryRunner);
    const idType = { type: id.type, length: id.length };
    const now = { type: timestamp, default: 'CURRENT_TIMESTAMP' };

    await queryRunner.createTable(
      new Table({
        name: 'gateways',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'connectionUrl', type: 'text' },
          { name: 'hasCredentials', type: 'boolean', default: false },
          { name: 'transport', type: 'varchar', length: '32' },
          { name: 'enabled', type: 'boolean', default: true },
          { name: 'createdAt', ...now },
          { name: 'updatedAt', ...now },
          { name: 'lastHealthOk', type: 'boolean', isNullable: true },
          { name: 'lastHealthError', type: 'text', isNullable: true },
          { name: 'lastHealthAt', type: timestamp, isNullable: true },
          { name: 'lastSeenAt', type: timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'UQ_gateways_name', columnNames: ['name'], isUnique: true }),
          // The directory lists enabled gateways in creation order on every classification cycle.
          new TableIndex({ name: 'IDX_gateways_enabled_created', columnNames: ['enabled', 'createdAt', 'id'] }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'tools',
        columns: [
          id,
          { name: 'gatewayId', ...idType },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'description', type: 'text', isNullable: true },
          { name: 'inputSchema', type: 'text' },
          { name: 'createdAt', ...now },
          { name: 'updatedAt', ...now },
        ],
        indices: [
          new TableIndex({ name: 'UQ_tools_gateway_name', columnNames: ['gatewayId', 'name'], isUnique: true }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_tools_gateway',
            columnNames: ['gatewayId'],
            referencedTableName: 'gateways',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('tools');
    await queryRunner.dropTable('gateways');
  }
}
