import { Observable } from 'rxjs';

import { ApiError } from '../common/api-error';
import type { Cancellation } from '../common/cancellation';

/** Unsubscribes (cancelling the run) when the client that waits for it goes away. */
export function abortOn<T>(cancellation: Cancellation) {
  return (source: Observable<T>) =>
    new Observable<T>((subscriber) => {
      if (cancellation.requested) return subscriber.error(ApiError.clientClosedRequest());
      const subscription = source.subscribe(subscriber);
      const stopListening = cancellation.onRequest(() => {
        subscription.unsubscribe();
        subscriber.error(ApiError.clientClosedRequest());
      });
      return () => {
        stopListening();
        subscription.unsubscribe();
      };
    });
}
