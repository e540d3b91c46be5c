import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `healthFailures`: failed health checks in a row. An upstream counts as down only after
 * UPSTREAM_DOWN_AFTER of them, and checks of one upstream run on whichever worker claims them, so
 * the count lives beside the health result every worker reads. NOT NULL DEFAULT 0: existing rows
 * start with a clean slate (their stored `lastHealthOk` stands until the next check).
 */
export class AddUpstreamHealthFailures1767484800000 implements MigrationInterface {
  name = 'AddUpstreamHealthFailures1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" ADD COLUMN "healthFailures" integer NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "gateways" DROP COLUMN "healthFailures"');
  }
}
