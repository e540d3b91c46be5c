import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { GatewayNameTakenError, GatewayNotFoundError, InvalidUpstreamUrlError } from '@app/registry';
import type { Response } from 'express';

type RegistryError = GatewayNotFoundError | GatewayNameTakenError | InvalidUpstreamUrlError;

/** Registry errors as HTTP answers: unknown gateway 404, duplicate name 409, unusable URL 400. */
@Catch(GatewayNotFoundError, GatewayNameTakenError, InvalidUpstreamUrlError)
export class RegistryErrorFilter implements ExceptionFilter<RegistryError> {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, label, message] =
      error instanceof GatewayNotFoundError
        ? [HttpStatus.NOT_FOUND, 'Not Found', error.message]
        : error instanceof GatewayNameTakenError
          ? [HttpStatus.CONFLICT, 'Conflict', `name: ${error.message}`]
          : [HttpStatus.BAD_REQUEST, 'Bad Request', `url: ${error.reason}`];
    response.status(status).json({ statusCode: status, error: label, message });
  }
}
