/**
 * A transaction that other modules' writes join (a response's final state commits with its log's last events, its
 * conversation's items, its usage and its webhooks): all they may do with it is run their SQL in it. TypeORM's
 * EntityManager is one; only the module that opened the transaction knows that.
 */
export interface Transaction {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}
