import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * Sends TypeORM's warnings and migration progress to Nest's logger and drops everything about
 * queries: TypeORM appends query parameters to logged SQL, and those carry connection URLs.
 */
export class RegistryTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new Logger(RegistryTypeOrmLogger.name);

  logQuery(): void {}

  logQueryError(): void {}

  logQuerySlow(): void {}

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
