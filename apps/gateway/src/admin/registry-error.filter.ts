import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import {
  InvalidUpstreamSettingError,
  InvalidUpstreamUrlError,
  RegistryUnavailableError,
  UpstreamNameTakenError,
  UpstreamNotFoundError,
} from '@app/registry';
import type { Response } from 'express';

type RegistryError =
  | UpstreamNotFoundError
  | UpstreamNameTakenError
  | InvalidUpstreamUrlError
  | InvalidUpstreamSettingError
  | RegistryUnavailableError;

/**
 * Registry errors as HTTP answers: unknown gateway 404, duplicate name 409, unusable URL or
 * polling override 400 (the request schema catches those first; this covers any path around it),
 * and a database that cannot serve now (refused, timed out, not connected, too much work
 * waiting) 503 "registry unavailable": the driver's text goes to the log, never to the client.
 */
@Catch(
  UpstreamNotFoundError,
  UpstreamNameTakenError,
  InvalidUpstreamUrlError,
  InvalidUpstreamSettingError,
  RegistryUnavailableError,
)
export class RegistryErrorFilter implements ExceptionFilter<RegistryError> {
  private readonly logger = new Logger(RegistryErrorFilter.name);

  catch(error: RegistryError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof RegistryUnavailableError) {
      this.logger.warn(`answered 503 "${error.message}": ${error.reason}`);
      const status = HttpStatus.SERVICE_UNAVAILABLE;
      response.status(status).json({ statusCode: status, error: 'Service Unavailable', message: error.message });
      return;
    }
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
