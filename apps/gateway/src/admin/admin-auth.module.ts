import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';

/** The admin bearer-token guard, provided once for every controller that uses it. */
@Module({ providers: [AdminTokenGuard], exports: [AdminTokenGuard] })
export class AdminAuthModule {}
