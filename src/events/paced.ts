import { Observable } from 'rxjs';

/** Events already at hand, sent one by one as `demand` allows (a replay of a long response to a slow reader). */
export function paced<T>(events: T[], demand?: () => Promise<void>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let closed = false;
    void (async () => {
      for (const event of events) {
        if (demand) await demand();
        if (closed) return;
        subscriber.next(event);
      }
      subscriber.complete();
    })();
    return () => {
      closed = true;
    };
  });
}
