import assert from 'node:assert/strict';
import {
  DEFAULT_HOTKEY_BINDINGS,
  HotkeyBindingError,
  parseChord,
  parseHotkeyBinding,
  resolveHotkeyBindings,
} from '../../src/hotkeys/hotkey-binding.js';
import { portalTrigger } from '../../src/hotkeys/portal-hotkeys.js';
import { ACTIONS } from '../../src/pipeline/controller/commands.js';

describe('hotkey bindings', function () {
  it('parses "ctrl+alt+1=toggle:beautify"', function () {
    const b = parseHotkeyBinding('ctrl+alt+1=toggle:beautify');
    assert.deepEqual(b, { chord: 'ctrl+alt+1', modifiers: { ctrl: true, alt: true, shift: false, meta: false }, key: '1', action: 'toggle:beautify' });
  });

  it('normalises case, modifier order, aliases and spaces', function () {
    assert.equal(parseChord(' Shift + CTRL+Esc ').chord, 'ctrl+shift+escape');
    assert.equal(parseChord('super+alt+PgUp').chord, 'alt+meta+pageup');
    assert.equal(parseChord('control+win+F12').chord, 'ctrl+meta+f12');
    assert.equal(parseHotkeyBinding('ctrl+alt+==preset:next').key, 'equal');
    assert.equal(parseChord('f9').chord, 'f9', 'function keys may stand alone');
  });

  it('says clearly what is wrong', function () {
    const cases: Array<[string, RegExp]> = [
      ['ctrl+alt+1', /must look like/],
      ['=toggle:toon', /must look like/],
      ['ctrl+alt+1=toggle:glitter', /unknown action "toggle:glitter" \(actions: toggle:beautify/],
      ['hyper+1=toggle:toon', /"hyper" .* is not a modifier/],
      ['ctrl+alt+banana=toggle:toon', /"banana" .* is not a key name/],
      ['ctrl+ctrl+1=toggle:toon', /names ctrl twice/],
      ['ctrl++=toggle:toon', /not a key chord/],
      ['1=toggle:toon', /would fire while typing/],
      ['shift+a=toggle:toon', /would fire while typing/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseHotkeyBinding(text), (err: unknown) => err instanceof HotkeyBindingError && message.test(err.message), text);
    }
  });

  it('has defaults for every filter toggle, presets, pause and the virtual camera', function () {
    const actions = resolveHotkeyBindings([]).map((b) => b.action);
    assert.deepEqual([...actions].sort(), Object.keys(ACTIONS).sort());
    assert.equal(DEFAULT_HOTKEY_BINDINGS.length, actions.length);
  });

  it('user bindings replace defaults of the same chord; CHORD=none removes one', function () {
    const bindings = resolveHotkeyBindings(['ctrl+alt+1=toggle:toon', 'ctrl+alt+v=none', 'ctrl+shift+f9=preset:next']);
    const byChord = new Map(bindings.map((b) => [b.chord, b.action]));
    assert.equal(byChord.get('ctrl+alt+1'), 'toggle:toon');
    assert.equal(byChord.has('ctrl+alt+v'), false);
    assert.equal(byChord.get('ctrl+shift+f9'), 'preset:next');
    assert.equal(byChord.get('ctrl+alt+2'), 'toggle:toon', 'other defaults stay');
  });

  it('writes the XDG portal trigger syntax', function () {
    assert.equal(portalTrigger(parseHotkeyBinding('ctrl+alt+1=toggle:beautify') as any), 'CTRL+ALT+1');
    assert.equal(portalTrigger(parseHotkeyBinding('meta+shift+pageup=preset:next') as any), 'SHIFT+LOGO+Prior');
    assert.equal(portalTrigger(parseHotkeyBinding('ctrl+alt+n=preset:next') as any), 'CTRL+ALT+n');
  });
});
