// Shifts this process's wall clock (Date) by FAULT_CLOCK_OFFSET_MS, as a host whose clock is
// off would be; monotonic time (performance.now, hrtime) is left alone, as NTP skew leaves it.
'use strict';
const offset = Number(process.env.FAULT_CLOCK_OFFSET_MS || 0);
if (Number.isFinite(offset) && offset !== 0) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = SkewedDate;
}
