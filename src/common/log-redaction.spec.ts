import { errorForLog, redactUrl } from './log-redaction';

describe('log redaction', () => {
  it('keeps the values of credential-like query parameters out of a logged URL', () => {
    expect(redactUrl('/v1/responses?api_key=sk-1&limit=2&key=k2&access_token=t3')).toBe(
      '/v1/responses?api_key=[Redacted]&limit=2&key=[Redacted]&access_token=[Redacted]',
    );
    expect(redactUrl('/v1/responses/resp_1')).toBe('/v1/responses/resp_1');
  });

  it("logs an error's message and stack, never the statement parameters a database error carries", () => {
    const failed = Object.assign(new Error('invalid input syntax for type json'), { query: 'INSERT …', parameters: ['{"input":"a client secret"}'] });
    const line = errorForLog(failed);
    expect(line).toContain('invalid input syntax for type json');
    expect(line).not.toContain('a client secret');
    expect(line).not.toContain('INSERT');
  });
});
