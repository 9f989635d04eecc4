// The channels capability's application layer: keyed hashes of contact points and signed tracking tokens.
export { contactHash, contactHashesOf, hashAddress } from './contact-hash.ts';
export { MAX_TOKEN_LENGTH, signToken, verifyToken } from './tracking-token.ts';
