export { commonMessages } from './common.messages';
export { errorMessage, isErrorLike } from './errors';
export { DeadlineExceededError, settlesWithin, withDeadline, withTimeout } from './deadline';
export { MAX_ERROR_TEXT_LENGTH, redactError, redactSecrets, redactUrl, type RedactOptions } from './redaction';
export { MIN_BASE64_FRAGMENT_LENGTH, MIN_SECRET_LENGTH, secretFormsOf, type SecretUrlOptions } from './secret-forms';
export {
  codePointName,
  escapeNonPrintable,
  findNonPrintable,
  isPrintable,
  NON_PRINTABLE_CATEGORIES,
  printableProblem,
  type NonPrintableCategory,
  type NonPrintableCharacter,
} from './printable';
export { monotonicClock, systemClock, type Clock } from './clock';
export { SerialQueue } from './serial-queue';
export { RepeatingTask, type RepeatingTaskOptions } from './repeating-task';
