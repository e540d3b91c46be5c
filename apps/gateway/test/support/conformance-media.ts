/** Small valid media payloads (base64) for the conformance server's image and audio content. */

/** A 1×1 teal PNG. */
export const CONFORMANCE_IMAGE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNQSDgAAAHkAUGcFuGgAAAAAElFTkSuQmCC';

/** 1 ms of silence: mono 16-bit PCM WAV at 8 kHz. */
export const CONFORMANCE_AUDIO_WAV = 'UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA';
