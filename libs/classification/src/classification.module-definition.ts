import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ClassificationModuleOptions } from './classification.options';

export const {
  ConfigurableModuleClass: ClassificationConfigurableModule,
  MODULE_OPTIONS_TOKEN: CLASSIFICATION_MODULE_OPTIONS,
  OPTIONS_TYPE: CLASSIFICATION_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CLASSIFICATION_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ClassificationModuleOptions>({ moduleName: 'Classification' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
