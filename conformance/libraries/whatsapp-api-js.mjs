// whatsapp-api-js (Secreto31126): the library as its README uses it.
//
// Base URL: the library has no base-URL option; every call goes to https://graph.facebook.com.
// Its documented `ponyfill.fetch` option replaces the fetch it uses, so the one setting is a
// fetch that sends https://graph.facebook.com/... to Switchboard instead. The token is the
// tenant's API key; the app secret is the tenant's webhook secret.

import { WhatsAppAPI } from 'whatsapp-api-js';
import { WhatsAppAPIFailedToVerifyError } from 'whatsapp-api-js/errors';
import {
  ActionButtons, ActionList, Audio, Body, Button, Contacts, Document, Image, Interactive, ListSection,
  Location, Name, Phone, Reaction, Row, Sticker, Template, Text, Video, BodyComponent, BodyParameter, Language,
} from 'whatsapp-api-js/messages';

export const name = 'whatsapp-api-js';

const GRAPH = 'https://graph.facebook.com';

export function create(cfg) {
  const redirect = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.startsWith(GRAPH) ? cfg.baseUrl + url.slice(GRAPH.length) : url, init);
  };
  const api = new WhatsAppAPI({ token: cfg.token, appSecret: cfg.webhookSecret, v: cfg.apiVersion, ponyfill: { fetch: redirect } });
  const phone = cfg.phoneNumberId;

  // The library resolves with the parsed body whatever the HTTP status; a Graph error is an answer.
  const ok = (r) => {
    if (r && r.error) {
      throw new Error(`Graph error ${r.error.code}: ${r.error.message}`);
    }
    return r;
  };
  const sent = async (to, message, context, callbackData) =>
    ok(await api.sendMessage(phone, to, message, context, callbackData)).messages?.[0]?.id;

  // Webhook: the library's own post(), which checks X-Hub-Signature-256 with the app secret and
  // calls on.message / on.status. Events are attributed to the POST through args.raw.
  const seen = new WeakMap();
  api.on.message = ({ message, from, name: profileName, raw }) => {
    seen.get(raw)?.messages.push({
      id: message.id, from, name: profileName, type: message.type, text: message.text?.body,
      buttonReply: message.interactive?.button_reply,
    });
  };
  api.on.status = ({ id, status, phone: recipient, biz_opaque_callback_data: callbackData, raw }) => {
    seen.get(raw)?.statuses.push({ id, status, recipient, callbackData });
  };

  return {
    sendText: ({ to, body, contextId }) => sent(to, new Text(body), contextId),
    sendTemplate: ({ to, name: template, language, bodyParams, callbackData }) => sent(to, new Template(template, new Language(language),
      ...(bodyParams ? [new BodyComponent(...bodyParams.map((p) => new BodyParameter(p)))] : [])), undefined, callbackData),
    sendImage: ({ to, link, id, caption }) => sent(to, new Image(id ?? link, Boolean(id), caption)),
    sendDocument: ({ to, link, caption, filename }) => sent(to, new Document(link, false, caption, filename)),
    sendAudio: ({ to, link }) => sent(to, new Audio(link)),
    sendVideo: ({ to, link, caption }) => sent(to, new Video(link, false, caption)),
    sendSticker: ({ to, link }) => sent(to, new Sticker(link)),
    sendLocation: ({ to, latitude, longitude, name: place, address }) => sent(to, new Location(longitude, latitude, place, address)),
    sendContacts: ({ to, formattedName, firstName, phone: number }) =>
      sent(to, new Contacts([new Name(formattedName, firstName), new Phone(number, 'CELL')])),
    sendButtons: ({ to, body, buttons }) =>
      sent(to, new Interactive(new ActionButtons(...buttons.map((b) => new Button(b.id, b.title))), new Body(body))),
    sendList: ({ to, body, button, sectionTitle, rows }) => sent(to, new Interactive(
      new ActionList(button, new ListSection(sectionTitle, ...rows.map((r) => new Row(r.id, r.title, r.description)))), new Body(body))),
    sendReaction: ({ to, messageId, emoji }) => sent(to, new Reaction(messageId, emoji)),

    markRead: async ({ messageId }) => ok(await api.markAsRead(phone, messageId)).success,
    typing: async ({ messageId }) => ok(await api.markAsRead(phone, messageId, 'text')).success,

    uploadMedia: async ({ bytes, mime, filename }) => {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: mime }), filename);
      return ok(await api.uploadMedia(phone, form)).id;
    },
    mediaInfo: async ({ id }) => ok(await api.retrieveMedia(id)),
    downloadMedia: async ({ id }) => {
      const { url } = ok(await api.retrieveMedia(id));
      const res = await api.fetchMedia(url);
      if (!res.ok) {
        throw new Error(`download answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      }
      return new Uint8Array(await res.arrayBuffer());
    },
    deleteMedia: async ({ id }) => ok(await api.deleteMedia(id)).success,

    webhook: async (raw, headers) => {
      const text = raw.toString('utf8');
      let data;
      try {
        data = JSON.parse(text);
      } catch {
        data = {};
      }
      const got = { messages: [], statuses: [] };
      seen.set(data, got);
      try {
        await api.post(data, text, headers['x-hub-signature-256']);
        return { verified: true, ...got };
      } catch (e) {
        if (e instanceof WhatsAppAPIFailedToVerifyError) {
          return { verified: false, error: 'signature rejected', ...got };
        }
        // The signature check comes first in post(): anything thrown later followed a verified signature.
        return { verified: true, error: `post() threw ${e?.name}: ${e?.message}`, ...got };
      }
    },
  };
}
