/*
 * The writers' only way to the destination. A write resolves once the stream
 * has taken the chunk, or after 'drain' when write() returned false, so a slow
 * client slows the row source down instead of filling memory. A destination
 * that fails or closes early (the agent cancelled the download) rejects the
 * pending and later writes, and the writers stop reading rows.
 */
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";

export interface Sink {
  write(chunk: string | Uint8Array): Promise<void>;
  /** Ends the destination and resolves once everything was flushed ('finish'). */
  end(): Promise<void>;
  /**
   * Destroys the destination (without an 'error' event), so that an export that
   * failed half-way never ends like a complete file: the client sees a broken
   * download rather than a truncated CSV that looks whole.
   */
  abort(): void;
}

export function prematureClose(): Error {
  return Object.assign(new Error("The export's destination closed before the end of the export"), {
    code: "ERR_STREAM_PREMATURE_CLOSE",
  });
}

export function createSink(out: Writable): Sink {
  let failure: Error | undefined = out.destroyed || out.writableEnded ? prematureClose() : undefined;
  let waiting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const settle = (error?: Error) => {
    const waiter = waiting;
    waiting = undefined;
    if (error) waiter?.reject(error);
    else waiter?.resolve();
  };
  const onError = (error: Error) => {
    failure ??= error;
    settle(failure);
  };
  const onClose = () => {
    failure ??= prematureClose();
    settle(failure);
  };
  const onDrain = () => settle();
  out.on("error", onError);
  out.on("close", onClose);
  out.on("drain", onDrain);
  const detach = () => {
    out.off("close", onClose);
    out.off("drain", onDrain);
  };

  return {
    async write(chunk) {
      if (failure) throw failure;
      if (out.write(chunk)) return;
      await new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    async end() {
      if (failure) throw failure;
      detach();
      out.end();
      try {
        await finished(out, { readable: false });
      } finally {
        out.off("error", onError);
      }
    },
    abort() {
      detach();
      // The error listener stays: a destroyed stream may still report a late write error.
      if (!out.destroyed) out.destroy();
    },
  };
}
