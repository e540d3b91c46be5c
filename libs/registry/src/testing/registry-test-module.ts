import { Test, type TestingModule } from '@nestjs/testing';
import { RegistryDatabaseModule } from '../registry-database.module';
import { RegistryModule } from '../registry.module';
import type { TestDatabase } from './test-databases';

/** The registry on a test database, initialised (migrations run) as a (re)started worker opens it. */
export async function openTestRegistry(db: TestDatabase): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [RegistryDatabaseModule.forRootAsync({ useFactory: () => db.config }), RegistryModule],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}
