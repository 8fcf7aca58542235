// The backend's reaction to each frontend state, as Linux xen-blkback's frontend_changed() and
// the io/blkif.h state diagrams have it (reference/pv-guest-requirements.md §4.5).
import { describe, expect, it } from 'vitest';
import { backendTransition, parseXenbusState } from '../../../src/xen/backends/xenbus_state.ts';

// xen/io/xenbus.h
const Unknown = 0, Initialising = 1, InitWait = 2, Initialised = 3, Connected = 4, Closing = 5, Closed = 6, Reconfiguring = 7;

describe('backendTransition', () => {
  it.each([
    // [backend, frontend, action, next backend state]
    [InitWait, Initialising, 'none', InitWait],
    [InitWait, Initialised, 'connect', Connected], // GRUB and Linux blkfront
    [InitWait, Connected, 'connect', Connected], // netfront-style 1 → 4
    [Connected, Connected, 'none', Connected], // blkfront's own 3 → 4 after we connected
    [Connected, Closing, 'disconnect', Closing],
    [Connected, Closed, 'disconnect', Closed], // GRUB's handoff, step 1
    [Closing, Closed, 'disconnect', Closed],
    [Closed, Closed, 'none', Closed],
    [Closed, Initialising, 'none', InitWait], // "prepare for reconnect"
    [Closed, Initialised, 'none', Closed], // must pass through Initialising first
    [Connected, Unknown, 'disconnect', Closed], // frontend went away
    [Connected, Reconfiguring, 'none', Connected],
  ] as const)('backend %i, frontend %i → %s, %i', (be, fe, action, next) => {
    expect(backendTransition(be, fe)).toEqual({ action, state: next });
  });
});

describe('parseXenbusState', () => {
  it('reads digits and treats anything a guest might write otherwise as Unknown', () => {
    expect(parseXenbusState('3')).toBe(3);
    expect(parseXenbusState(undefined)).toBe(0);
    expect(parseXenbusState('')).toBe(0);
    expect(parseXenbusState('03')).toBe(0);
    expect(parseXenbusState('4x')).toBe(0);
    expect(parseXenbusState(' 4')).toBe(0);
  });
});
