import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { UpstreamNameTakenError, UpstreamNotFoundError, InvalidUpstreamUrlError } from '@app/registry';
import type { Response } from 'express';

type RegistryError = UpstreamNotFoundError | UpstreamNameTakenError | InvalidUpstreamUrlError;

/** Registry errors as HTTP answers: unknown gateway 404, duplicate name 409, unusable URL 400. */
@Catch(UpstreamNotFoundError, UpstreamNameTakenError, InvalidUpstreamUrlError)
export class RegistryErrorFilter implements ExceptionFilter<RegistryError> {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, label, message] =
      error instanceof UpstreamNotFoundError
        ? [HttpStatus.NOT_FOUND, 'Not Found', error.message]
        : error instanceof UpstreamNameTakenError
          ? [HttpStatus.CONFLICT, 'Conflict', `name: ${error.message}`]
          : [HttpStatus.BAD_REQUEST, 'Bad Request', `url: ${error.reason}`];
    response.status(status).json({ statusCode: status, error: label, message });
  }
}
