import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkDialplan } from '../../src/dialplan-check/check';
import { readFeatureCodes } from '../../src/dialplan-check/features';
import { parseDialplan } from '../../src/dialplan-check/parse';
import { extenMatches, isCatchAll } from '../../src/dialplan-check/patterns';
import { parseStasisArgs, STASIS_ARG_FORMS } from '../../src/dialplan-check/stasis-forms';

const FIXTURES = 'test/dialplan-check/fixtures';
const features = readFeatureCodes({ path: 'config/features.conf', text: readFileSync('config/features.conf', 'utf8') });

/** Problems of one fixture, as `line: message`. */
function check(name: string, options: { app?: string } = {}): string[] {
  const path = `${FIXTURES}/${name}`;
  const file = parseDialplan({ path, text: readFileSync(path, 'utf8') });
  return checkDialplan([file], { app: options.app ?? 'switchboard', featureCodes: features }).problems.map((p) => `${p.line}: ${p.message}`);
}

function checkText(text: string): string[] {
  return checkDialplan([parseDialplan({ path: 'x.conf', text })], { app: 'switchboard', featureCodes: features }).problems.map((p) => `${p.line}: ${p.message}`);
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dialplan-check.ts', ...args], { encoding: 'utf8', env: { ...process.env, ARI_APP: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('dialplan:check rule 1: Stasis app name and argument form', () => {
  it('given an app name Switchboard is not when checked then it is a problem, and so is an app name in a variable', () => {
    expect(check('unknown-app.conf')).toEqual([
      expect.stringMatching(/^3: unknown Stasis app 'switchbord': Switchboard's is 'switchboard'/),
      "6: Stasis app name must be written out, not '${APP}'",
    ]);
  });

  it('given argument forms Switchboard does not accept when checked then each is a problem naming the accepted forms', () => {
    const problems = check('bad-form.conf');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['3', '5', '7', '9']);
    expect(problems[0]).toContain("'outbound,123' is not one Switchboard accepts (expected inbound,<did>, feature,login");
    expect(problems[1]).toContain("'feature,dance'");
    expect(problems[2]).toContain("'feature,retrieve,slot-one'");
    expect(problems[3]).toContain("'inbound' is not one Switchboard accepts (expected inbound,<did>)");
  });

  it('given another app allowed by a pragma in its file then it passes unchecked; as the configured app its forms are checked', () => {
    expect(check('other-app.conf')).toEqual([]);
    expect(check('other-app.conf', { app: 'switchboard-lab' })).toEqual([expect.stringMatching(/^4: Stasis argument form 'phone,\$\{EXTEN\}' is not one Switchboard accepts/)]);
    expect(check('bad-form.conf', { app: 'sb-prod' })[0]).toMatch(/unknown Stasis app 'switchboard': Switchboard's is 'sb-prod'/);
  });

  it('given the accepted forms then the call server reads the same list from StasisStart.args', () => {
    expect(STASIS_ARG_FORMS.map((f) => f.form)).toContain('feature,retrieve,<slot>');
    expect(parseStasisArgs(['inbound', '+15551234'])).toEqual({ kind: 'inbound', did: '+15551234' });
    expect(parseStasisArgs(['inbound', ''])).toEqual({ kind: 'inbound', did: '' });
    expect(parseStasisArgs(['feature', 'login'])).toEqual({ kind: 'feature', feature: 'login' });
    expect(parseStasisArgs(['feature', 'pause', '2'])).toEqual({ kind: 'feature', feature: 'pause', reasonCode: '2' });
    expect(parseStasisArgs(['feature', 'pause', ''])).toEqual({ kind: 'feature', feature: 'pause', reasonCode: '' });
    expect(parseStasisArgs(['feature', 'retrieve', '705'])).toEqual({ kind: 'feature', feature: 'retrieve', slot: '705' });
    expect(parseStasisArgs(['feature', 'retrieve', '7;05'])).toEqual({ kind: 'unknown', args: ['feature', 'retrieve', '7;05'] });
    expect(parseStasisArgs(['feature', 'login', 'extra'])).toMatchObject({ kind: 'unknown' });
    expect(parseStasisArgs([])).toMatchObject({ kind: 'unknown' });
  });
});

describe('dialplan:check rule 2: a fallback after every Stasis()', () => {
  it('given Stasis() followed by Hangup(), by nothing, or by a GotoIf that ignores STASISSTATUS then each is a problem; Queue() next is a fallback', () => {
    const problems = check('no-fallback.conf');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['3', '6', '8']);
    expect(problems[0]).toMatch(/no fallback after it: the next priority is Hangup\(\)/);
    expect(problems[1]).toMatch(/no fallback after it: nothing follows it in extension 2/);
    expect(problems[2]).toMatch(/the next priority is GotoIf\(\)/);
  });

  it('given the fallback is a later priority by number, not by line, then it still counts', () => {
    expect(checkText('[c]\nexten => 1,2,GotoIf($["${STASISSTATUS}" = "FAILED"]?c,f,1)\nexten => 1,1,Stasis(switchboard,feature,next)\nexten => f,1,Playback(x)\n')).toEqual([]);
  });
});

describe('dialplan:check rule 3: ${EXTEN} and caller ID reaching Dial() unfiltered', () => {
  it('given EXTEN, a slice of it, caller ID through two variables, or caller ID in an option then each is a problem; FILTER()ed values pass', () => {
    const problems = check('unfiltered-dial.conf');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['3', '4', '7', '8']);
    expect(problems[0]).toContain('Dial() gets ${EXTEN} unfiltered');
    expect(problems[1]).toContain('${EXTEN:1}');
    expect(problems[2]).toContain('${AGAIN} (set from ${TARGET} (set from ${CALLERID(num)}');
    expect(problems[3]).toContain('${CALLERID(name)}');
  });
});

describe('dialplan:check rule 4: feature codes the phones\' contexts shadow', () => {
  it('given config/features.conf then its codes are read, the reserved parking extension too', () => {
    expect(features.map((f) => `${f.name}=${f.code}`)).toEqual([
      'atxferabort=*1', 'atxfercomplete=*2', 'atxferthreeway=*3', 'blindxfer=##', 'atxfer=*2', 'disconnect=**', 'parkcall=#72',
      'hold toggle (Switchboard, in call)=*0', 'send the caller to voicemail (Switchboard, in call)=*9', 'park (blind-transfer target)=700',
    ]);
  });

  it('given extensions of [receptionists] and its includes that are feature codes then each is a problem; a catch-all and other codes are not', () => {
    const problems = check('shadowed-codes.conf');
    const at = (code: string) => features.find((f) => f.code === code)!.line;
    expect(problems).toContain(`6: extension ## in [receptionists] shadows feature code ## (blindxfer, config/features.conf:${at('##')})`);
    expect(problems.filter((p) => p.startsWith('7: extension _*X')).length).toBe(6);
    expect(problems).toContain(`11: extension _7XX in [more-phone-codes] shadows feature code 700 (park (blind-transfer target), config/features.conf:${at('700')})`);
    expect(problems.some((p) => /^(13|17):/.test(p))).toBe(false);
  });

  it('given patterns then they match as Asterisk matches them', () => {
    expect(extenMatches('_70[1-9]', '705')).toBe(true);
    expect(extenMatches('_70[1-9]', '700')).toBe(false);
    expect(extenMatches('_*13X', '*132')).toBe(true);
    expect(extenMatches('_NXX', '123')).toBe(false);
    expect(extenMatches('_1-800-NXX', '1800234')).toBe(true);
    expect(extenMatches('_X!', '1')).toBe(true);
    expect(extenMatches('##', '##')).toBe(true);
    expect(isCatchAll('_[*#0-9A-Za-z+].')).toBe(true);
    expect(isCatchAll('_X.')).toBe(false);
  });
});

describe('dialplan:check sanity checks and syntax', () => {
  it('given an unknown include, same => first, duplicate priorities and labels, jumps to nothing and an unclosed call then each is a problem', () => {
    expect(check('sanity.conf')).toEqual([
      '3: include => no-such-context: no such context',
      '4: same => with no exten => before it in [sanity]',
      '6: priority 1 of extension 1 in [sanity] is already defined at test/dialplan-check/fixtures/sanity.conf:5',
      "8: label 'next' of extension 1 in [sanity] is already defined at test/dialplan-check/fixtures/sanity.conf:7",
      "9: GotoIf() to label 'nowhere': extension 1 in [sanity] has no such label",
      '10: Goto() to missing-context,s,1: no such context [missing-context]',
      "11: Frobnicate( is not closed with ')'",
    ]);
  });

  it('given comments, escaped semicolons, block comments, labels and n priorities then the steps read right', () => {
    const file = parseDialplan({
      path: 'x.conf',
      text: [
        '[c](+) ; a comment with Stasis(nope)',
        ';-- a block comment',
        'exten => 9,1,Stasis(nope)',
        '--;',
        'exten = _X.,1,NoOp(a\\;b) ; trailing',
        ' same => n(go),Set(X=${FILTER(0-9,${EXTEN:1})})',
        ' same => n,Stasis(switchboard,inbound,${X})',
        'exten => 100,hint,PJSIP/rx1',
        '#tryinclude "nowhere.conf"',
      ].join('\n'),
    });
    expect(file.problems).toEqual([]);
    expect(file.steps.map((s) => [s.line, s.exten, s.priority, s.label ?? '', s.app, s.args])).toEqual([
      [5, '_X.', 1, '', 'NoOp', ['a;b']],
      [6, '_X.', 2, 'go', 'Set', ['X=${FILTER(0-9,${EXTEN:1})}']],
      [7, '_X.', 3, '', 'Stasis', ['switchboard', 'inbound', '${X}']],
    ]);
    expect(file.fileIncludes).toEqual([{ file: 'x.conf', line: 9, target: 'nowhere.conf', optional: true }]);
  });
});

describe('npm run dialplan:check', () => {
  it("given the repository's dialplan/ when checked then it passes with a one-line summary and exit 0", () => {
    const r = cli();
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^dialplan:check: OK: 4 files, \d+ contexts, \d+ Stasis\(\) calls \(app 'switchboard'\), 10 feature codes from config\/features\.conf\n$/);
  });

  it('given config/extensions.conf then its #includes are followed and pass too', () => {
    const r = cli('config/extensions.conf');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/OK: 5 files/);
  });

  it('given broken files when checked then every problem is one file:line: message line and the exit code is 1', () => {
    const r = cli(`${FIXTURES}/no-fallback.conf`, `${FIXTURES}/unknown-app.conf`);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l).toMatch(/^test\/dialplan-check\/fixtures\/[a-z-]+\.conf:\d+: \S/);
    expect(lines[0]).toMatch(/^test\/dialplan-check\/fixtures\/no-fallback\.conf:3: Stasis\(\) has no fallback/);
    expect(r.err).toBe('dialplan:check: 5 problems in 2 file(s)\n');
  });

  it('given --app, a missing path or an unknown option then the app is used, or the exit code is 2', () => {
    const other = cli('--app', 'sb-prod', 'dialplan/inbound.conf');
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/^dialplan\/inbound\.conf:13: unknown Stasis app 'switchboard': Switchboard's is 'sb-prod'/);
    const missing = cli('no/such/dir');
    expect([missing.code, missing.err]).toEqual([2, 'no/such/dir: no such file or directory\n']);
    expect(cli('--frobnicate').code).toBe(2);
  });
});
