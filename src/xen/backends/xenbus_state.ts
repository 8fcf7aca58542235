// The XenbusState machine as a backend runs it (xen/include/public/io/xenbus.h; the diagrams in
// io/blkif.h; Linux xen-blkback's frontend_changed(), which real frontends are written against):
//
//   backend created                       → publish features, InitWait (2)
//   frontend Initialised (3)/Connected (4) → map ring, bind event channel, Connected (4)
//   frontend Closing (5)                   → disconnect, Closing (5)
//   frontend Closed (6) / Unknown (0)      → disconnect, Closed (6)
//   frontend Initialising (1) after Closed → "prepare for reconnect": InitWait (2)
//
// GRUB hands a disk over by writing frontend 6, waiting for backend 6, then frontend 1; Linux
// then finds the backend in InitWait again. A frontend state that is not a number is treated as
// Unknown (a guest can write anything there).
import {
  XenbusStateClosed,
  XenbusStateClosing,
  XenbusStateConnected,
  XenbusStateInitialised,
  XenbusStateInitialising,
  XenbusStateInitWait,
  XenbusStateUnknown,
} from '../abi/io/xenbus.ts';

export type BackendAction = 'connect' | 'disconnect' | 'none';

export interface BackendTransition {
  readonly action: BackendAction;
  /** The backend's next state (equal to the current one when nothing changes). */
  readonly state: number;
}

/** Parses a `state` node; anything that is not a small decimal number reads as Unknown. */
export function parseXenbusState(value: string | undefined): number {
  if (value === undefined || !/^[0-9]$/.test(value)) return XenbusStateUnknown;
  return Number(value);
}

/** What a backend in state `backend` does when it sees the frontend in state `frontend`. */
export function backendTransition(backend: number, frontend: number): BackendTransition {
  switch (frontend) {
    case XenbusStateInitialising:
      if (backend === XenbusStateClosed) return { action: 'none', state: XenbusStateInitWait };
      return { action: 'none', state: backend };
    case XenbusStateInitialised:
    case XenbusStateConnected:
      // Already connected: a frontend moving 3 → 4 changes nothing (blkback: "Ensure we connect
      // even when two watches fire in close succession" — connect is idempotent there too).
      if (backend === XenbusStateConnected) return { action: 'none', state: backend };
      if (backend === XenbusStateInitWait || backend === XenbusStateInitialised) return { action: 'connect', state: XenbusStateConnected };
      return { action: 'none', state: backend };
    case XenbusStateClosing:
      if (backend === XenbusStateClosed) return { action: 'none', state: backend };
      return { action: 'disconnect', state: XenbusStateClosing };
    case XenbusStateClosed:
    case XenbusStateUnknown:
      if (backend === XenbusStateClosed) return { action: 'none', state: backend };
      return { action: 'disconnect', state: XenbusStateClosed };
    default:
      // Reconfiguring/Reconfigured and out-of-range values: blkback ignores them.
      return { action: 'none', state: backend };
  }
}
