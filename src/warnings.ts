// Warning codes and their texts. Warnings never change the outcome; they tell the officer
// something worth knowing (e.g. a certificate without expiry, a stale trust list).
import type { Lang } from './errors.js';

export const WARNING_TEXTS = {
  NO_EXPIRY: {
    en: 'The certificate carries no expiry date.',
    id: 'Sertifikat tidak memuat tanggal kedaluwarsa.',
  },
  KID_UNPROTECTED: {
    en: 'The key id was read from the unprotected header.',
    id: 'ID kunci dibaca dari header yang tidak dilindungi.',
  },
  ALG_UNPROTECTED: {
    en: 'The algorithm was read from the unprotected header.',
    id: 'Algoritme dibaca dari header yang tidak dilindungi.',
  },
  NULL_ENTRY_IGNORED: {
    en: 'An empty (null) certificate entry was ignored.',
    id: 'Entri sertifikat kosong (null) diabaikan.',
  },
  VALUE_NOT_IN_VALUE_SET: {
    en: 'A code is not in the current EU value set (e.g. a new product).',
    id: 'Sebuah kode tidak ada dalam value set EU saat ini (mis. produk baru).',
  },
  SCHEMA_VERSION_UNKNOWN: {
    en: 'Unknown schema version; validated against the newest known one.',
    id: 'Versi skema tidak dikenal; divalidasi dengan versi terbaru yang dikenal.',
  },
  ISSUER_COUNTRY_MISMATCH: {
    en: "The issuing country differs from the signer's country.",
    id: 'Negara penerbit berbeda dengan negara penanda tangan.',
  },
  CRL_OUTDATED: {
    en: "The signer's revocation list is past its next-update date; it was still checked.",
    id: 'Daftar pencabutan penanda tangan sudah melewati tanggal pembaruan berikutnya; tetap diperiksa.',
  },
  TRUST_SOURCE_STALE: {
    en: 'The trust list that holds this signer could not be refreshed recently.',
    id: 'Daftar tepercaya yang memuat penanda tangan ini belum dapat diperbarui akhir-akhir ini.',
  },
  DEFLATE_TRAILING_BYTES: {
    en: 'The signed payload has a few bytes after its compressed data (e.g. a gzip trailer); they were ignored.',
    id: 'Muatan yang ditandatangani memiliki beberapa bita setelah data terkompresinya (mis. trailer gzip); bita tersebut diabaikan.',
  },
} as const satisfies Record<string, Record<Lang, string>>;

/** The warning codes: one table, no free strings at call sites. */
export type WarningCode = keyof typeof WARNING_TEXTS;

export function warningText(code: WarningCode, lang: Lang): string {
  return WARNING_TEXTS[code][lang];
}
