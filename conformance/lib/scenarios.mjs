// The scenarios, the same for every library. Each one drives the library only through its
// adapter (libraries/*.mjs) and checks the outcome from outside: what Meta (the emulator)
// received, what Switchboard answered, what reached the library's webhook handlers.
//
// `needs` names the adapter operations a scenario uses; a library without one of them reports
// the scenario as unsupported rather than failing it.

import { check, sha256Hex } from './harness.mjs';

const LINK = 'https://example.com/conformance';

// A valid 1x1 PNG, small enough for any media limit.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A user who has just written to the business: the 24 h window is open and there is a wamid to answer. */
async function userWhoWrote(ctx, text = 'Hi, I have a question') {
  const user = ctx.world.freshUser();
  const wamid = await ctx.world.userWrites(user, 'Conformance User', 'text', { body: text });
  return { user, wamid };
}

async function sentAndReceivedByMeta(ctx, id, to, expectType) {
  const body = await ctx.world.reachedMeta(id, to);
  check(body.type === expectType, `Meta received type ${body.type}, expected ${expectType}: ${JSON.stringify(body)}`);
  return body;
}

async function uploadPng(ctx) {
  const id = await ctx.lib.uploadMedia({ bytes: PNG, mime: 'image/png', filename: 'pixel.png' });
  check(typeof id === 'string' && id.length > 0, `upload returned no media id: ${JSON.stringify(id)}`);
  return id;
}

const send = (name, type, op, args, verify) => ({
  name,
  needs: [op],
  async run(ctx) {
    const { user, wamid } = await userWhoWrote(ctx);
    const id = await ctx.lib[op]({ to: user, ...args(wamid) });
    const body = await sentAndReceivedByMeta(ctx, id, user, type);
    verify?.(body, wamid);
  },
});

/** A text arrives from a fresh user; the library's message handler must see it with the exact text. */
const receiveText = (name, text) => ({
  name,
  needs: ['webhook'],
  async run(ctx) {
    const user = ctx.world.freshUser();
    const wamid = await ctx.world.userWrites(user, 'Conformance User', 'text', { body: text });
    const got = await ctx.receiver.awaitEvent(`inbound message ${wamid}`, 'messages', (m) => m.id === wamid, (m) => m.id === wamid);
    check(got.from === user, `handler saw from=${got.from}, expected ${user}`);
    check(got.type === 'text', `handler saw type=${got.type}, expected text`);
    check(got.text === text, `handler saw text ${JSON.stringify(got.text)}, expected ${JSON.stringify(text)}`);
  },
});

export const SCENARIOS = [
  // ---- sending ------------------------------------------------------------------------------
  {
    name: 'send_text',
    needs: ['sendText'],
    async run(ctx) {
      const { user } = await userWhoWrote(ctx);
      const text = 'Your order #42 has shipped. Olá, नमस्ते 🎉';
      const id = await ctx.lib.sendText({ to: user, body: text });
      const body = await sentAndReceivedByMeta(ctx, id, user, 'text');
      check(body.text?.body === text, `Meta received text ${JSON.stringify(body.text)}`);
    },
  },
  {
    name: 'send_template',
    needs: ['sendTemplate'],
    async run(ctx) {
      const user = ctx.world.freshUser(); // a template needs no open window
      const id = await ctx.lib.sendTemplate({ to: user, name: 'hello_world', language: 'en_US' });
      const body = await sentAndReceivedByMeta(ctx, id, user, 'template');
      check(body.template?.name === 'hello_world' && body.template?.language?.code === 'en_US',
        `Meta received template ${JSON.stringify(body.template)}`);
    },
  },
  {
    name: 'send_template_with_parameters',
    needs: ['sendTemplate'],
    async run(ctx) {
      const user = ctx.world.freshUser();
      const id = await ctx.lib.sendTemplate({ to: user, name: 'order_update', language: 'en_US', bodyParams: ['Ana', 'A-1042'] });
      const body = await sentAndReceivedByMeta(ctx, id, user, 'template');
      const params = (body.template?.components ?? []).filter((c) => String(c.type).toLowerCase() === 'body')
        .flatMap((c) => c.parameters ?? []).map((p) => p.text);
      check(JSON.stringify(params) === JSON.stringify(['Ana', 'A-1042']), `Meta received body parameters ${JSON.stringify(params)}`);
    },
  },
  send('send_image_link', 'image', 'sendImage', () => ({ link: `${LINK}/photo.jpg`, caption: 'A photo' }),
    (b) => check(b.image?.link === `${LINK}/photo.jpg`, `Meta received image ${JSON.stringify(b.image)}`)),
  {
    name: 'send_image_uploaded_id',
    needs: ['uploadMedia', 'sendImage'],
    async run(ctx) {
      const mediaId = await uploadPng(ctx);
      const { user } = await userWhoWrote(ctx);
      const id = await ctx.lib.sendImage({ to: user, id: mediaId, caption: 'Uploaded' });
      const body = await sentAndReceivedByMeta(ctx, id, user, 'image');
      check(typeof body.image?.id === 'string' && body.image.id.length > 0, `Meta received image ${JSON.stringify(body.image)}`);
    },
  },
  send('send_document', 'document', 'sendDocument', () => ({ link: `${LINK}/invoice.pdf`, filename: 'invoice.pdf', caption: 'Invoice' }),
    (b) => check(b.document?.link === `${LINK}/invoice.pdf` && b.document?.filename === 'invoice.pdf',
      `Meta received document ${JSON.stringify(b.document)}`)),
  send('send_audio', 'audio', 'sendAudio', () => ({ link: `${LINK}/note.mp3` }),
    (b) => check(b.audio?.link === `${LINK}/note.mp3`, `Meta received audio ${JSON.stringify(b.audio)}`)),
  send('send_video', 'video', 'sendVideo', () => ({ link: `${LINK}/clip.mp4`, caption: 'Clip' }),
    (b) => check(b.video?.link === `${LINK}/clip.mp4`, `Meta received video ${JSON.stringify(b.video)}`)),
  send('send_sticker', 'sticker', 'sendSticker', () => ({ link: `${LINK}/sticker.webp` }),
    (b) => check(b.sticker?.link === `${LINK}/sticker.webp`, `Meta received sticker ${JSON.stringify(b.sticker)}`)),
  send('send_location', 'location', 'sendLocation',
    () => ({ latitude: -23.5505, longitude: -46.6333, name: 'São Paulo', address: 'Praça da Sé' }),
    (b) => check(b.location?.latitude === -23.5505 && b.location?.longitude === -46.6333 && b.location?.name === 'São Paulo',
      `Meta received location ${JSON.stringify(b.location)}`)),
  send('send_contacts', 'contacts', 'sendContacts',
    () => ({ formattedName: 'Ana Souza', firstName: 'Ana', phone: '+5511987654321' }),
    (b) => {
      // whatsapp-api-js sends the array as a JSON-encoded string; what counts here is that Meta gets what the library sent
      const contacts = typeof b.contacts === 'string' ? JSON.parse(b.contacts) : b.contacts;
      check(contacts?.[0]?.name?.formatted_name === 'Ana Souza' && contacts?.[0]?.phones?.[0]?.phone === '+5511987654321',
        `Meta received contacts ${JSON.stringify(b.contacts)}`);
    }),
  send('send_interactive_buttons', 'interactive', 'sendButtons',
    () => ({ body: 'Confirm your booking?', buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] }),
    (b) => check(b.interactive?.type === 'button' && b.interactive?.action?.buttons?.length === 2
      && b.interactive.action.buttons[0].reply?.id === 'yes', `Meta received interactive ${JSON.stringify(b.interactive)}`)),
  send('send_interactive_list', 'interactive', 'sendList',
    () => ({ body: 'Pick a slot', button: 'Slots', sectionTitle: 'Tomorrow',
      rows: [{ id: 'am', title: 'Morning', description: '9-12' }, { id: 'pm', title: 'Afternoon', description: '13-17' }] }),
    (b) => check(b.interactive?.type === 'list' && b.interactive?.action?.sections?.[0]?.rows?.length === 2,
      `Meta received interactive ${JSON.stringify(b.interactive)}`)),
  send('send_reaction', 'reaction', 'sendReaction', (wamid) => ({ messageId: wamid, emoji: '👍' }),
    (b, wamid) => check(b.reaction?.message_id === wamid && b.reaction?.emoji === '👍',
      `Meta received reaction ${JSON.stringify(b.reaction)}`)),
  send('send_reply_with_context', 'text', 'sendText', (wamid) => ({ body: 'Replying to you', contextId: wamid }),
    (b, wamid) => check(b.context?.message_id === wamid, `Meta received context ${JSON.stringify(b.context)}`)),

  // ---- read receipts and typing -------------------------------------------------------------
  {
    name: 'mark_as_read',
    needs: ['markRead'],
    async run(ctx) {
      const { wamid } = await userWhoWrote(ctx);
      const ok = await ctx.lib.markRead({ messageId: wamid });
      check(ok === true, `mark as read answered ${JSON.stringify(ok)}, expected success`);
    },
  },
  {
    name: 'typing_indicator',
    needs: ['typing'],
    async run(ctx) {
      const { wamid } = await userWhoWrote(ctx);
      const ok = await ctx.lib.typing({ messageId: wamid });
      check(ok === true, `typing indicator answered ${JSON.stringify(ok)}, expected success`);
    },
  },

  // ---- media --------------------------------------------------------------------------------
  {
    name: 'media_upload',
    needs: ['uploadMedia'],
    async run(ctx) {
      await uploadPng(ctx);
    },
  },
  {
    name: 'media_retrieve_url',
    needs: ['uploadMedia', 'mediaInfo'],
    async run(ctx) {
      const id = await uploadPng(ctx);
      const info = await ctx.lib.mediaInfo({ id });
      check(typeof info.url === 'string' && /^https?:\/\//.test(info.url), `no usable url: ${JSON.stringify(info)}`);
      check(info.mime_type === 'image/png', `mime_type ${info.mime_type}, expected image/png`);
      check(Number(info.file_size) === PNG.length, `file_size ${info.file_size}, expected ${PNG.length}`);
      check(info.sha256 === sha256Hex(PNG), `sha256 ${info.sha256}, expected ${sha256Hex(PNG)}`);
    },
  },
  {
    name: 'media_download',
    needs: ['uploadMedia', 'downloadMedia'],
    async run(ctx) {
      const id = await uploadPng(ctx);
      const bytes = Buffer.from(await ctx.lib.downloadMedia({ id }));
      check(bytes.equals(PNG), `downloaded ${bytes.length} bytes (sha256 ${sha256Hex(bytes)}), not the ${PNG.length} uploaded`);
    },
  },
  {
    name: 'media_delete',
    needs: ['uploadMedia', 'deleteMedia'],
    async run(ctx) {
      const id = await uploadPng(ctx);
      const ok = await ctx.lib.deleteMedia({ id });
      check(ok === true, `delete answered ${JSON.stringify(ok)}, expected success`);
    },
  },

  // ---- templates ----------------------------------------------------------------------------
  {
    name: 'templates_list',
    needs: ['listTemplates'],
    async run(ctx) {
      const list = await ctx.lib.listTemplates();
      check(Array.isArray(list), `not a list: ${JSON.stringify(list)}`);
      const hello = list.find((t) => t.name === 'hello_world');
      check(hello, `hello_world missing from ${JSON.stringify(list.map((t) => t.name))}`);
      check(hello.status === 'APPROVED' && hello.language === 'en_US', `hello_world is ${JSON.stringify(hello)}`);
    },
  },
  {
    name: 'template_create',
    needs: ['createTemplate'],
    async run(ctx) {
      const name = `conformance_${ctx.cfg.phoneNumberId}_${Date.now()}`;
      const created = await ctx.lib.createTemplate({ name, language: 'en_US', category: 'UTILITY', bodyText: 'Your code {{1}} is ready', example: ['A1'] });
      check(created && typeof created.id === 'string' && created.id.length > 0, `create answered ${JSON.stringify(created)}`);
    },
  },
  {
    name: 'template_delete',
    needs: ['createTemplate', 'deleteTemplate'],
    async run(ctx) {
      const name = `conformance_del_${ctx.cfg.phoneNumberId}_${Date.now()}`;
      await ctx.lib.createTemplate({ name, language: 'en_US', category: 'UTILITY', bodyText: 'To be deleted' });
      const ok = await ctx.lib.deleteTemplate({ name });
      check(ok === true, `delete answered ${JSON.stringify(ok)}, expected success`);
    },
  },

  // ---- business profile and numbers ---------------------------------------------------------
  {
    name: 'business_profile_get',
    needs: ['getProfile'],
    async run(ctx) {
      const p = await ctx.lib.getProfile();
      check(p && typeof p === 'object' && p.messaging_product === 'whatsapp', `profile ${JSON.stringify(p)}`);
    },
  },
  {
    name: 'business_profile_update',
    needs: ['updateProfile', 'getProfile'],
    async run(ctx) {
      const about = `Open 9-17 · ${ctx.cfg.phoneNumberId} ✓`;
      const ok = await ctx.lib.updateProfile({ about });
      check(ok === true, `update answered ${JSON.stringify(ok)}, expected success`);
      const p = await ctx.lib.getProfile();
      check(p?.about === about, `profile about is ${JSON.stringify(p?.about)} after the update, expected ${JSON.stringify(about)}`);
    },
  },
  {
    name: 'phone_number_get',
    needs: ['getPhoneNumber'],
    async run(ctx) {
      const n = await ctx.lib.getPhoneNumber();
      check(n?.id === ctx.cfg.phoneNumberId, `id ${JSON.stringify(n?.id)}, expected ${ctx.cfg.phoneNumberId}: ${JSON.stringify(n)}`);
      check(typeof n.display_phone_number === 'string' && n.display_phone_number.replace(/\D/g, '') === ctx.cfg.displayPhoneNumber,
        `display_phone_number ${JSON.stringify(n.display_phone_number)}, expected ${ctx.cfg.displayPhoneNumber}`);
    },
  },
  {
    name: 'phone_numbers_list',
    needs: ['listPhoneNumbers'],
    async run(ctx) {
      const list = await ctx.lib.listPhoneNumbers();
      check(Array.isArray(list) && list.some((n) => n.id === ctx.cfg.phoneNumberId),
        `number ${ctx.cfg.phoneNumberId} missing from ${JSON.stringify(list)}`);
    },
  },

  // ---- receiving ----------------------------------------------------------------------------
  {
    name: 'webhook_rejects_forged_signature',
    needs: ['webhook'],
    async run(ctx) {
      // A guard on the suite itself: the library's check must really reject a wrong signature,
      // or every "verified" below would mean nothing.
      const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [] }));
      const r = await ctx.lib.webhook(body, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': String(body.length) });
      check(r.verified === false, `the library accepted a forged signature: ${JSON.stringify(r)}`);
    },
  },
  receiveText('receive_text_ascii', 'Hello, is my order on its way?'),
  receiveText('receive_text_accents', 'Olá! Ça va? Müller, Ñandú, façade, crème brûlée'),
  receiveText('receive_text_devanagari', 'नमस्ते, मेरा ऑर्डर कहाँ है?'),
  receiveText('receive_text_emoji', 'Thanks 🙏 see you soon 👋🏽 ❤️ 🇧🇷'),
  {
    name: 'receive_contact_profile_name',
    needs: ['webhook'],
    async run(ctx) {
      const user = ctx.world.freshUser();
      const name = 'Zoë Ferreira';
      const wamid = await ctx.world.userWrites(user, name, 'text', { body: 'hello' });
      const got = await ctx.receiver.awaitEvent(`inbound message ${wamid}`, 'messages', (m) => m.id === wamid, (m) => m.id === wamid);
      check(got.name === name, `handler saw the contact's profile name ${JSON.stringify(got.name)}, expected ${JSON.stringify(name)}`);
    },
  },
  {
    name: 'receive_button_reply',
    needs: ['webhook'],
    async run(ctx) {
      const user = ctx.world.freshUser();
      const wamid = await ctx.world.userWrites(user, 'Conformance User', 'interactive',
        { type: 'button_reply', button_reply: { id: 'confirm-42', title: 'Sí, confirmo ✅' } });
      const got = await ctx.receiver.awaitEvent(`button reply ${wamid}`, 'messages', (m) => m.id === wamid, (m) => m.id === wamid);
      check(got.type === 'interactive', `handler saw type ${got.type}`);
      check(got.buttonReply?.id === 'confirm-42' && got.buttonReply?.title === 'Sí, confirmo ✅',
        `handler saw button reply ${JSON.stringify(got.buttonReply)}`);
    },
  },
  {
    name: 'receive_statuses',
    needs: ['webhook', 'sendTemplate'],
    async run(ctx) {
      // Five sends at once: fifteen statuses (sent, delivered, read each) in quick succession.
      // Each carries its own biz_opaque_callback_data, which Meta echoes on that message's statuses.
      const users = Array.from({ length: 5 }, () => ctx.world.freshUser());
      const tags = users.map((_, i) => `order-${i + 1}`);
      const ids = await Promise.all(users.map((to, i) =>
        ctx.lib.sendTemplate({ to, name: 'hello_world', language: 'en_US', callbackData: tags[i] })));
      for (const id of ids) {
        check(typeof id === 'string' && id.length > 0, `send returned no id: ${JSON.stringify(ids)}`);
      }
      const waits = [];
      ids.forEach((id, i) => {
        for (const status of ['sent', 'delivered', 'read']) {
          const what = `status ${status} of ${id}`;
          waits.push(ctx.receiver.awaitEvent(what, 'statuses', (s) => s.id === id && s.status === status,
            (s) => s.id === id && s.status === status).then((got) => {
            check(got.recipient === users[i], `${what} names recipient ${got.recipient}, expected ${users[i]}`);
            check(got.callbackData === tags[i], `${what} carries biz_opaque_callback_data ${JSON.stringify(got.callbackData)},`
              + ` expected ${JSON.stringify(tags[i])}`);
          }));
        }
      });
      const results = await Promise.allSettled(waits);
      const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
      check(failed.length === 0, `${failed.length} of ${waits.length} statuses did not reach the handler as sent: ${failed[0]}`);
    },
  },
];
