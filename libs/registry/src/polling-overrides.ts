import { InvalidUpstreamSettingError } from './errors';
import { registryMessages as messages } from './registry.messages';
import { UPSTREAM_PINS, type UpstreamPin } from './types';

/** The longest tool-discovery interval an upstream may have of its own: one week. */
export const MAX_DISCOVERY_INTERVAL_SECONDS = 604_800;

export function isUpstreamPin(value: unknown): value is UpstreamPin {
  return (UPSTREAM_PINS as readonly unknown[]).includes(value);
}

/** Whole seconds from 1 to MAX_DISCOVERY_INTERVAL_SECONDS. */
export function isDiscoveryIntervalSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_DISCOVERY_INTERVAL_SECONDS;
}

/**
 * A pin as read from the database. A row edited by hand may hold anything; an unknown value
 * reads as "no pin" so that one bad row never stops the directory from being read.
 */
export function storedPin(value: unknown): UpstreamPin | null {
  return isUpstreamPin(value) ? value : null;
}

/** An interval as read from the database: anything but a positive whole number reads as "no override". */
export function storedDiscoveryInterval(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Refuses a pin or interval the registry does not take; absent (undefined) and null pass.
 * The admin API checks the same before it calls; this guards every other caller.
 */
export function assertPollingOverrides(input: { pin?: unknown; discoveryIntervalSeconds?: unknown }): void {
  const { pin, discoveryIntervalSeconds: interval } = input;
  if (pin !== undefined && pin !== null && !isUpstreamPin(pin)) {
    throw new InvalidUpstreamSettingError('pin', messages.pinInvalid());
  }
  if (interval !== undefined && interval !== null && !isDiscoveryIntervalSeconds(interval)) {
    throw new InvalidUpstreamSettingError(
      'discoveryIntervalSeconds',
      messages.discoveryIntervalInvalid(MAX_DISCOVERY_INTERVAL_SECONDS),
    );
  }
}
