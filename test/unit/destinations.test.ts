import { describe, expect, it } from 'vitest';
import {
  decideDestination,
  DEFAULT_DESTINATION_POLICY,
  dialString,
  requestForLog,
  toE164,
  type ClientContact,
  type ClientTransferRules,
} from '../../src/domain/destinations';

const policy = DEFAULT_DESTINATION_POLICY;
const contact = (o: Partial<ClientContact>): ClientContact => ({
  code: '1',
  name: 'Dana Owner',
  number: '+15035557777',
  extension: null,
  alwaysScreen: false,
  availability: 'available',
  note: '',
  ...o,
});
const rules: ClientTransferRules = {
  contacts: [
    contact({ code: '1' }),
    contact({ code: '2', name: 'Sam Away', number: '+15035558888', availability: 'away' }),
    contact({ code: '3', name: 'Vee Voicemail', number: '+15035559999', availability: 'voicemail-only' }),
    contact({ code: '4', name: 'Front Desk', number: null, extension: '201' }),
    contact({ code: '5', name: 'Screened Boss', number: '+15035556666', alwaysScreen: true }),
    contact({ code: '6', name: 'Paris Office', number: '+33142685300' }),
  ],
  allow: [
    { pattern: '+1503555', exact: false, international: false, premium: false },
    { pattern: '+4420', exact: false, international: true, premium: false },
    { pattern: '+19005550100', exact: true, international: false, premium: true },
  ],
};
const templates = { number: 'PJSIP/{number}@trunk', extension: 'PJSIP/{ext}' };

describe('transfer destinations', () => {
  it('given a contact code then the contact is reached, by number or extension', () => {
    expect(decideDestination({ contactCode: '1' }, rules, policy)).toMatchObject({ ok: true, destination: { kind: 'number', e164: '+15035557777' } });
    expect(decideDestination({ contactCode: '4' }, rules, policy)).toMatchObject({ ok: true, destination: { kind: 'extension', extension: '201' } });
    expect(decideDestination({ contactCode: '99' }, rules, policy)).toMatchObject({ ok: false, code: 'no-such-contact' });
  });

  it('given a contact who is away or voicemail-only then the transfer is refused with the reason and voicemail offered', () => {
    for (const code of ['2', '3']) {
      const d = decideDestination({ contactCode: code }, rules, policy);
      expect(d).toMatchObject({ ok: false, code: 'contact-unavailable', voicemailOffered: true });
    }
    // by number too: the contact's availability follows its number
    expect(decideDestination({ number: '+15035558888' }, rules, policy)).toMatchObject({ ok: false, code: 'contact-unavailable' });
  });

  it('given a contact that must be screened then a blind transfer is refused', () => {
    expect(decideDestination({ contactCode: '5' }, rules, policy)).toMatchObject({ ok: false, code: 'screening-required' });
  });

  it('given a contact abroad then the exact number the client listed is allowed', () => {
    expect(decideDestination({ contactCode: '6' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+33142685300' } });
  });

  it('given numbers covered by the allow-list then they are allowed, national and E.164 alike', () => {
    expect(decideDestination({ number: '5035550123' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+15035550123' } });
    expect(decideDestination({ number: '15035550123' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+15035550123' } });
    expect(decideDestination({ number: '+15035550123' }, rules, policy)).toMatchObject({ ok: true });
    expect(decideDestination({ number: '+442071234567' }, rules, policy)).toMatchObject({ ok: true });
  });

  it('given a domestic number nobody listed then it is not allowed', () => {
    expect(decideDestination({ number: '2065550123' }, rules, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
  });

  it.each([
    ['+19005551234', 'premium NANP 900'],
    ['9765551234', 'premium NANP 976, national form'],
    ['+449098790000', 'UK 09 premium'],
    ['+882345678901', 'international network'],
    ['+2322221234', 'Sierra Leone (classic toll fraud)'],
    ['+33142685301', 'France, not listed'],
  ])('given toll-fraud bait %s (%s) then it is refused', (number) => {
    expect(decideDestination({ number }, rules, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
  });

  it('given an allow-list entry that matches but does not allow premium then a premium number stays refused', () => {
    const wide: ClientTransferRules = { contacts: [], allow: [{ pattern: '+1', exact: false, international: false, premium: false }] };
    expect(decideDestination({ number: '+19005551234' }, wide, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
    expect(decideDestination({ number: '+15415551234' }, wide, policy)).toMatchObject({ ok: true });
    // an international number matched by a domestic-only prefix entry stays refused
    const intl: ClientTransferRules = { contacts: [], allow: [{ pattern: '+44', exact: false, international: false, premium: false }] };
    expect(decideDestination({ number: '+442071234567' }, intl, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
    // the exact premium entry the client made is allowed
    expect(decideDestination({ number: '+19005550100' }, rules, policy)).toMatchObject({ ok: true });
  });

  it.each([
    '5035550123&PJSIP/evil',
    '5035550123,1',
    '503555/0123',
    '5035550123@trunk',
    '${EXTEN}',
    '5035550123\r\nAction: Originate',
    '5035550123\n',
    ' 5035550123',
    '503-555-0123',
    '+1503+5550123',
    '++15035550123',
    '0x1F',
    'SIP/evil',
    '',
    '1'.repeat(40),
  ])('given the injection or junk string %j as a number then it is refused as invalid-destination', (value) => {
    expect(decideDestination({ number: value }, rules, policy)).toMatchObject({ ok: false, code: 'invalid-destination' });
  });

  it.each(['201&x', '201,', '20/1', '201@x', '${X}', '20\n1', '+201', 'abc', '1234567'])('given %j as an extension then it is refused', (value) => {
    expect(decideDestination({ extension: value }, rules, policy)).toMatchObject({ ok: false, code: 'invalid-destination' });
  });

  it.each(['1&', '1,', '${1}', '+1', '1\r'])('given %j as a contact code then it is refused', (value) => {
    expect(decideDestination({ contactCode: value }, rules, policy)).toMatchObject({ ok: false, code: 'invalid-destination' });
  });

  it('given international access prefixes without + then they are refused (E.164 with + only)', () => {
    expect(decideDestination({ number: '011442071234567' }, rules, policy)).toMatchObject({ ok: false, code: 'invalid-destination' });
    expect(decideDestination({ number: '00442071234567' }, rules, policy)).toMatchObject({ ok: false, code: 'invalid-destination' });
  });

  it('given digits keyed on the phone then a contact code wins, then an extension, then a number; a leading * is +', () => {
    expect(decideDestination({ keyed: '1' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+15035557777' } });
    expect(decideDestination({ keyed: '305' }, rules, policy)).toMatchObject({ ok: true, destination: { kind: 'extension', extension: '305' } });
    expect(decideDestination({ keyed: '5035550123' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+15035550123' } });
    expect(decideDestination({ keyed: '*442071234567' }, rules, policy)).toMatchObject({ ok: true, destination: { e164: '+442071234567' } });
    expect(decideDestination({ keyed: '*2322221234' }, rules, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
    expect(decideDestination({ keyed: '19005551234' }, rules, policy)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
  });

  it('given another home country then national numbers drop their trunk 0 and other countries are international', () => {
    const uk = { ...policy, homeCountryCode: '44' };
    expect(toE164('02071234567', uk)).toEqual({ ok: true, e164: '+442071234567' });
    const ukRules: ClientTransferRules = { contacts: [], allow: [{ pattern: '+44', exact: false, international: false, premium: false }] };
    expect(decideDestination({ number: '02071234567' }, ukRules, uk)).toMatchObject({ ok: true });
    expect(decideDestination({ number: '+449098790000' }, ukRules, uk)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
  });

  it('given a decided destination then the dial string holds only the checked value, and an unchecked one is never dialled', () => {
    const d = decideDestination({ number: '5035550123' }, rules, policy);
    if (!d.ok) throw new Error('expected ok');
    expect(dialString(d.destination, templates)).toBe('PJSIP/+15035550123@trunk');
    expect(dialString({ kind: 'extension', extension: '201', contact: null }, templates)).toBe('PJSIP/201');
    expect(() => dialString({ kind: 'number', e164: '+1503&PJSIP/x', contact: null }, templates)).toThrow();
    expect(() => dialString({ kind: 'extension', extension: '201,1', contact: null }, templates)).toThrow();
  });

  it('given a hostile request then what the timeline keeps is printable and bounded', () => {
    const logged = requestForLog({ number: '5035550123\r\nAction: Originate' + 'x'.repeat(100) });
    expect(logged).not.toMatch(/[\r\n]/);
    expect(logged.length).toBeLessThanOrEqual(48);
  });
});
