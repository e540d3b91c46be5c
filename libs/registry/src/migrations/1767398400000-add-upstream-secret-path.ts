import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `secretPath`: the upstream URL's path is a secret (an API key in the path), so the canonical
 * `url` holds a digest of it. NOT NULL DEFAULT false, so every existing row migrates with the
 * option off and its `url` stays as it is. Plain ALTER TABLE, the same on SQLite and PostgreSQL
 * (both add a column with a constant default in place; SQLite reads `false` as 0 since 3.23).
 */
export class AddUpstreamSecretPath1767398400000 implements MigrationInterface {
  name = 'AddUpstreamSecretPath1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" ADD COLUMN "secretPath" boolean NOT NULL DEFAULT false');
  }

  // DROP COLUMN needs SQLite 3.35 or later; better-sqlite3 bundles a newer one.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" DROP COLUMN "secretPath"');
  }
}
