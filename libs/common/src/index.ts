export { commonMessages } from './common.messages';
export { errorMessage, isErrorLike } from './errors';
export { DeadlineExceededError, settlesWithin, withDeadline, withTimeout } from './deadline';
export { MAX_ERROR_TEXT_LENGTH, redactError, redactSecrets, redactUrl } from './redaction';
export { monotonicClock, systemClock, type Clock } from './clock';
export { SerialQueue } from './serial-queue';
export { RepeatingTask, type RepeatingTaskOptions } from './repeating-task';
