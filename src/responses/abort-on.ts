import { Observable } from 'rxjs';

import { ApiError } from '../common/api-error';

/** Unsubscribes (cancelling the run) when the client that waits for it goes away. */
export function abortOn<T>(signal: AbortSignal) {
  return (source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      const subscription = source.subscribe(subscriber);
      const onAbort = () => {
        subscription.unsubscribe();
        subscriber.error(ApiError.clientClosedRequest());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      return () => {
        signal.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
}
