import { describe, expect, it } from 'vitest';
import {
  MAX_VALUE_BYTES,
  parseEnvironmentLine,
  parseResponseLine,
  quoteAgiValue,
  scriptArguments,
  scriptName,
  setVariableCommand,
  verboseCommand,
} from '../../src/agi/agi-protocol';
import { parseAgiArguments } from '../agi/raw-agi-client';

describe('AGI wire format', () => {
  it('given the environment lines Asterisk 22 sent then each parses, keeping colons inside values and empty values', () => {
    expect(parseEnvironmentLine('agi_request: agi://127.0.0.1:4573/route')).toEqual({ key: 'agi_request', value: 'agi://127.0.0.1:4573/route' });
    expect(parseEnvironmentLine('agi_accountcode: ')).toEqual({ key: 'agi_accountcode', value: '' });
    expect(parseEnvironmentLine('agi_calleridname: Lab Caller')).toEqual({ key: 'agi_calleridname', value: 'Lab Caller' });
    // A stray CR inside a caller name is kept as data (it is neutralised when written back).
    expect(parseEnvironmentLine('agi_calleridname: Evil\r"x"')).toEqual({ key: 'agi_calleridname', value: 'Evil\r"x"' });
  });

  it('given lines that are not `agi_name: value` then they are rejected', () => {
    for (const line of ['GET / HTTP/1.1', 'agi_network_script route', 'Host: example.com', ': value', 'AGI_X: 1']) {
      expect(parseEnvironmentLine(line)).toBeNull();
    }
  });

  it('given agi_network_script with slashes and a query then the route is the bare path', () => {
    expect(scriptName({ agi_network_script: 'client-lookup' })).toBe('client-lookup');
    expect(scriptName({ agi_network_script: '/client-lookup/?x=1' })).toBe('client-lookup');
    expect(scriptName({})).toBe('');
    expect(scriptArguments({ agi_arg_1: '5035550100', agi_arg_2: '', agi_arg_4: 'skipped' })).toEqual(['5035550100', '']);
  });

  it('given the responses recorded from Asterisk then code, result, data and extras are read', () => {
    expect(parseResponseLine('200 result=1 (5035551234)')).toMatchObject({ code: 200, result: '1', data: '5035551234' });
    expect(parseResponseLine('200 result=0 endpos=242214')).toMatchObject({ code: 200, result: '0', data: '', extras: { endpos: '242214' } });
    expect(parseResponseLine('510 Invalid or unknown command')).toMatchObject({ code: 510, result: '' });
    expect(parseResponseLine('511 Command Not Permitted on a dead channel or intercept routine')).toMatchObject({ code: 511 });
    expect(parseResponseLine('520-Invalid command syntax.  Proper usage follows:')).toMatchObject({ code: 520 });
    expect(parseResponseLine('HANGUP')).toBeNull();
  });

  it('given hostile text then the quoted value has no CR/LF, and Asterisk reads back the text with controls as spaces', () => {
    const hostile = 'Evil "Caller" \\ \r\nEXEC Dial PJSIP/999@trunk\n\u0000end';
    const command = setVariableCommand('SB_CLIENT_STATUS', hostile);
    expect(command).not.toMatch(/[\r\n\u0000]/);
    expect(parseAgiArguments(command)).toEqual(['SET', 'VARIABLE', 'SB_CLIENT_STATUS', 'Evil "Caller" \\   EXEC Dial PJSIP/999@trunk  end']);
  });

  it('given a very long or multi-byte value then it is cut to the byte cap on a character boundary', () => {
    const quoted = quoteAgiValue('☎'.repeat(1000));
    const inner = quoted.slice(1, -1);
    expect(new TextEncoder().encode(inner).length).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    expect(inner).toBe('☎'.repeat(Math.floor(MAX_VALUE_BYTES / 3)));
  });

  it('given a bad variable name then building the command throws with a stable code; VERBOSE quotes its text', () => {
    expect(() => setVariableCommand('SB X"', 'v')).toThrow(expect.objectContaining({ code: 'agi-invalid-variable-name' }));
    expect(verboseCommand('hello "you"', 2)).toBe('VERBOSE "hello \\"you\\"" 2');
  });
});
