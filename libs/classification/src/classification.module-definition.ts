import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ClassificationModuleOptions } from './classification.options';

/** Options of the module itself, beside the classification options. */
export interface ClassificationModuleExtras {
  /** Register the module globally. @default false */
  isGlobal: boolean;
  /**
   * Read the enabled upstreams from the registry's TypeORM `Gateway` repository (needs the
   * registry's DataSource at the root). @default true, except for `forRoot` given an `upstreamDirectory`
   */
  registry?: boolean;
}

export const {
  ConfigurableModuleClass: ClassificationConfigurableModule,
  MODULE_OPTIONS_TOKEN: CLASSIFICATION_MODULE_OPTIONS,
  OPTIONS_TYPE: CLASSIFICATION_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CLASSIFICATION_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ClassificationModuleOptions>({ moduleName: 'Classification' })
  .setClassMethodName('forRoot')
  .setExtras<ClassificationModuleExtras>({ isGlobal: false, registry: undefined }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
