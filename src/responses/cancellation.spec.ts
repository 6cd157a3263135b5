import { EventEmitter } from 'node:events';

import type { Response } from 'express';

import { cancellationOfResponse, cancellationOfSignal } from './cancellation';

/** A response as the cancellation sees it: it closes, finished or not. */
function fakeResponse(): EventEmitter & { writableFinished: boolean } {
  return Object.assign(new EventEmitter(), { writableFinished: false });
}

describe('cancellationOfResponse', () => {
  it('is requested when the client goes away before its answer was sent, and tells each listener once', () => {
    const res = fakeResponse();
    const cancellation = cancellationOfResponse(res as unknown as Response);
    const heard: string[] = [];
    cancellation.onRequest(() => heard.push('first'));
    const stopListening = cancellation.onRequest(() => heard.push('gone'));
    stopListening();
    expect(cancellation.requested).toBe(false);
    res.emit('close');
    res.emit('close');
    expect(cancellation.requested).toBe(true);
    expect(heard).toEqual(['first']);
  });

  it('is never requested once the answer was sent in full', () => {
    const res = fakeResponse();
    const cancellation = cancellationOfResponse(res as unknown as Response);
    const heard: string[] = [];
    cancellation.onRequest(() => heard.push('gone'));
    res.writableFinished = true;
    res.emit('close');
    expect(cancellation.requested).toBe(false);
    expect(heard).toEqual([]);
  });
});

describe('cancellationOfSignal', () => {
  it('is requested when the signal aborts', () => {
    const controller = new AbortController();
    const cancellation = cancellationOfSignal(controller.signal);
    const heard: string[] = [];
    cancellation.onRequest(() => heard.push('stopped'));
    cancellation.onRequest(() => heard.push('not heard'))();
    controller.abort();
    expect(cancellation.requested).toBe(true);
    expect(heard).toEqual(['stopped']);
  });
});
