import { EventEmitter } from 'node:events';

import type { Response } from 'express';

import { cancellationOfResponse, cancellationOfSignal, CancellationSource } from './cancellation';

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

describe('CancellationSource', () => {
  it('tells its listeners once, and gives the request as a signal to what needs one, made before or after it', () => {
    const source = new CancellationSource();
    const early = source.signal;
    const heard: string[] = [];
    source.onRequest(() => heard.push('stopped'));
    source.request();
    source.request();
    expect(heard).toEqual(['stopped']);
    expect(early.aborted).toBe(true);
    expect(source.signal.aborted).toBe(true);

    const late = new CancellationSource();
    late.request();
    expect(late.signal.aborted).toBe(true);
  });
});
