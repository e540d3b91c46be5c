import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-upstream polling overrides: `pin` (hot or cold whatever the usage) and
 * `discoveryIntervalSeconds`. Both nullable, so existing rows read back as "no override".
 * Plain ALTER TABLE, the same on SQLite and PostgreSQL: both add a nullable column in place,
 * whereas TypeORM's addColumn rebuilds the whole table on SQLite.
 */
export class AddUpstreamPollingOverrides1767312000000 implements MigrationInterface {
  name = 'AddUpstreamPollingOverrides1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" ADD COLUMN "pin" varchar(8)');
    await queryRunner.query('ALTER TABLE "gateways" ADD COLUMN "discoveryIntervalSeconds" integer');
  }

  // DROP COLUMN needs SQLite 3.35 or later; better-sqlite3 bundles a newer one.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" DROP COLUMN "discoveryIntervalSeconds"');
    await queryRunner.query('ALTER TABLE "gateways" DROP COLUMN "pin"');
  }
}
