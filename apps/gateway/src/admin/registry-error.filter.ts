import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import {
  InvalidUpstreamSettingError,
  InvalidUpstreamUrlError,
  UpstreamNameTakenError,
  UpstreamNotFoundError,
} from '@app/registry';
import type { Response } from 'express';

type RegistryError =
  UpstreamNotFoundError | UpstreamNameTakenError | InvalidUpstreamUrlError | InvalidUpstreamSettingError;

/**
 * Registry errors as HTTP answers: unknown gateway 404, duplicate name 409, unusable URL or
 * polling override 400 (the request schema catches those first; this covers any path around it).
 */
@Catch(UpstreamNotFoundError, UpstreamNameTakenError, InvalidUpstreamUrlError, InvalidUpstreamSettingError)
export class RegistryErrorFilter implements ExceptionFilter<RegistryError> {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, label, message] =
      error instanceof UpstreamNotFoundError
        ? [HttpStatus.NOT_FOUND, 'Not Found', error.message]
        : error instanceof UpstreamNameTakenError
          ? [HttpStatus.CONFLICT, 'Conflict', `name: ${error.message}`]
          : error instanceof InvalidUpstreamSettingError
            ? [HttpStatus.BAD_REQUEST, 'Bad Request', `${error.field}: ${error.reason}`]
            : [HttpStatus.BAD_REQUEST, 'Bad Request', `url: ${error.reason}`];
    response.status(status).json({ statusCode: status, error: label, message });
  }
}
