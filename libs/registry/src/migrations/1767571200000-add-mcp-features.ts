import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What discovery learns of an upstream beyond tool names and schemas, for the federated /mcp:
 * - `gateways.mcpFeatures`: JSON of the upstream's server capabilities, resources, resource
 *   templates and prompts (as its list calls returned them);
 * - `tools.definition`: JSON of the tool exactly as the upstream described it (title,
 *   annotations, outputSchema, _meta, icons...).
 * Both nullable, so rows from before read back as "not discovered yet". Plain ALTER TABLE, the
 * same on SQLite and PostgreSQL (a nullable column is added in place on both).
 */
export class AddMcpFeatures1767571200000 implements MigrationInterface {
  name = 'AddMcpFeatures1767571200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" ADD COLUMN "mcpFeatures" text');
    await queryRunner.query('ALTER TABLE "tools" ADD COLUMN "definition" text');
  }

  // DROP COLUMN needs SQLite 3.35 or later; better-sqlite3 bundles a newer one.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "tools" DROP COLUMN "definition"');
    await queryRunner.query('ALTER TABLE "gateways" DROP COLUMN "mcpFeatures"');
  }
}
