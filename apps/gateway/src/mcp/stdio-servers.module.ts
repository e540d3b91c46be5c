import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.module';
import type { AppConfig } from '../config/app-config';
import { parseStdioServers, STDIO_SERVER_CATALOG } from './stdio-servers';

/**
 * The operator's stdio allow-list (STDIO_SERVERS) as a StdioServerCatalog, for the connector
 * (which starts them) and the admin API (which lets upstreams name them). Needs APP_CONFIG.
 */
@Module({
  providers: [
    {
      provide: STDIO_SERVER_CATALOG,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => parseStdioServers(config.mcp.stdioServers),
    },
  ],
  exports: [STDIO_SERVER_CATALOG],
})
export class StdioServersModule {}
