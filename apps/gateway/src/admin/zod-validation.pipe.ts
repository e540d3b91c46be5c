import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ZodIssue, ZodType, ZodTypeDef } from 'zod';
import { validationError, type FieldIssue } from './validation-error';

/** Parses a request part with a zod schema; a mismatch becomes a 400 naming each field. */
@Injectable()
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T, ZodTypeDef, unknown>) {}

  transform(value: unknown): T {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw validationError(result.error.issues.flatMap(toFieldIssues));
  }
}

function toFieldIssues(issue: ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: key, message: 'is not a known field' }));
  }
  return [{ field: issue.path.length > 0 ? issue.path.join('.') : 'body', message: issue.message }];
}
