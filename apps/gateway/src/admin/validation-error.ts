import { BadRequestException } from '@nestjs/common';

/** One rejected field of a request, named as the client sent it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A 400 whose message names every rejected field ("url: must use http or https"), with the
 * same issues listed one by one for programs.
 */
export function validationError(issues: readonly FieldIssue[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '),
    errors: issues,
  });
}
