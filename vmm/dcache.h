/* SPDX-License-Identifier: MIT */
/*
 * A cache of decoded instructions, per vCPU, for emulation paths that see
 * the same instruction again and again (the software Key Locker's #UD).
 *
 * An entry is made only for bytes that decoded successfully, and holds
 * the decoder's input that mattered: the code size (16/32/64) and the
 * instruction's own bytes, all insn.len of them.  A lookup takes the
 * freshly fetched bytes (the fetch is never skipped, so self-modifying
 * code is seen) and hits only when at least insn.len bytes were fetched,
 * the mode is the same and every one of those bytes is equal.  Why that
 * is exactly insn_decode()'s result: the decoder is a pure function of
 * (bytes, length fetched, mode) that reads the bytes strictly in order
 * and only below its final position, which becomes insn.len; a
 * successful decode never hit the fetched length (it would have failed
 * as truncated), so any buffer that agrees on those bytes and is at least
 * as long makes the decoder take the same path and produce the same
 * struct.  Bytes after the instruction are never looked at, as by the
 * decoder.  Pure: host tests check hits and misses.
 */
#ifndef VMM_DCACHE_H
#define VMM_DCACHE_H

#include "lib/string.h"
#include "vmm/decode.h"

#define DCACHE_WAYS 4

struct dcache_entry {
	u8 len; /* 0: empty */
	u8 mode_bits;
	u8 bytes[INSN_MAX_LEN];
	/*
	 * Which bytes of the words at bytes + 0 and bytes + 7 (the 15 bytes
	 * as two overlapping words) are the instruction's: a lookup compares
	 * two masked words instead of up to 15 single bytes.
	 */
	u64 mask[2];
	u32 aux; /* the caller's (dcache_aux()); 0 whenever the entry is filled */
	struct insn in;
};

struct dcache {
	struct dcache_entry e[DCACHE_WAYS];
	unsigned next; /* round-robin victim */
	unsigned last; /* the entry that hit or was filled last: tried first */
};

/*
 * insn_decode(@buf, @len, @mode_bits, @out), answered from @d when an
 * entry holds the same instruction bytes and mode; a successful decode
 * on a miss is remembered.  Returns what insn_decode() returns.  @buf
 * always has room for INSN_MAX_LEN bytes (a fetch buffer); those from
 * @len on are never used.
 */
const char *dcache_decode(struct dcache *d, const u8 *buf, size_t len, unsigned mode_bits,
			  struct insn *out);
/*
 * The lookup, inline: the way that hit last is probed here, the others
 * out of line.  Bytes 0-7 and 7-14 of an instruction buffer are two
 * words, and every byte of it is in one of them.
 */
#define DCACHE_WORD2_AT 7
_Static_assert(DCACHE_WORD2_AT + 8 == INSN_MAX_LEN, "two words cover an instruction buffer");

/*
 * The entry's bytes 0 to len - 1 equal @buf's: each masked word compares
 * the instruction's own bytes in it and ignores the rest.  Not secret
 * (the guest's own code): the first differing word ends it.
 */
static __always_inline bool dcache_same_insn(const struct dcache_entry *e, const u8 *buf,
					     size_t len, unsigned mode_bits)
{
	if (!e->len || e->len > len || e->mode_bits != mode_bits)
		return false;
	return !((load_u64(buf) ^ load_u64(e->bytes)) & e->mask[0]) &&
	       !((load_u64(buf + DCACHE_WORD2_AT) ^ load_u64(e->bytes + DCACHE_WORD2_AT)) &
		 e->mask[1]);
}

/* dcache_find() past the way that hit last. */
const struct insn *dcache_find_other(struct dcache *d, const u8 *buf, size_t len,
				     unsigned mode_bits);
/*
 * The cached decode of these bytes, if any, without copying it: valid
 * until the cache is next changed (a dcache_decode() miss or a flush).
 * @buf as for dcache_decode().
 */
static __always_inline const struct insn *dcache_find(struct dcache *d, const u8 *buf, size_t len,
						      unsigned mode_bits)
{
	const struct dcache_entry *e = &d->e[d->last];

	if (dcache_same_insn(e, buf, len, mode_bits))
		return &e->in;
	return dcache_find_other(d, buf, len, mode_bits);
}
void dcache_flush(struct dcache *d);

/*
 * The caller's own word in the entry of @hit, a decode dcache_find()
 * returned: for what the caller works out from the decode alone (the
 * software Key Locker's classification), so that later hits need not
 * work it out again.  Filling an entry zeroes it, so a nonzero word is
 * always about this entry's bytes.
 */
static inline u32 *dcache_aux(const struct insn *hit)
{
	return (u32 *)((const u8 *)hit - offsetof(struct dcache_entry, in) +
		       offsetof(struct dcache_entry, aux));
}

#endif
