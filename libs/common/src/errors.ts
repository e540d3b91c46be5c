import { commonMessages } from './common.messages';

/**
 * The message of anything thrown, without its stack: an Error's message (or its name when the
 * message is empty), a thrown string as it is, and a fixed text for anything else, so an
 * arbitrary object is never stringified into a log. Duck-typed, because errors from Node
 * internals (fetch) need not share this realm's Error class.
 */
export function errorMessage(error: unknown): string {
  if (isErrorLike(error)) return error.message || error.name || commonMessages.unknownError();
  if (typeof error === 'string') return error;
  return commonMessages.unknownError();
}

/** Anything with a string `message`: an Error of any realm. */
export function isErrorLike(value: unknown): value is { message: string; name?: string; cause?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}
