/* sched: the scheduling policies and schedule strings. */
#include "sched.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "machine.h"

/* Add n ticks of tid to the end of core's lane, merging with the last run. */
void sched_add(struct schedule *s, int core, int tid, uint64_t n)
{
	struct sched_lane *l = &s->lane[core];
	if (core >= s->ncores)
		s->ncores = core + 1;
	if (l->n && l->runs[l->n - 1].tid == tid && tid >= 0) {
		l->runs[l->n - 1].n += n;
		return;
	}
	l->runs = xgrow(l->runs, &l->cap, l->n + 1, sizeof *l->runs);
	l->runs[l->n++] = (struct sched_run){ tid, n };
}

void sched_add_delivery(struct schedule *s, int core, int c, int split)
{
	s->net = 1;
	sched_add(s, core, sched_delivery(c, split), 1);
}

int sched_max_client(const struct schedule *s)
{
	int max = 0;
	for (int c = 0; c < s->ncores; c++)
		for (size_t i = 0; i < s->lane[c].n; i++)
			if (s->lane[c].runs[i].tid < 0 &&
			    sched_delivery_client(s->lane[c].runs[i].tid) > max)
				max = sched_delivery_client(s->lane[c].runs[i].tid);
	return max;
}

/* Lanes from ncores on are empty: sched_add and sched_parse see to it. */
void sched_free(struct schedule *s)
{
	for (int i = 0; i < s->ncores; i++) {
		xfree(s->lane[i].runs);
		s->lane[i] = (struct sched_lane){ NULL, 0, 0 };
	}
	s->ncores = 0;
	s->net = 0;
}

void sched_copy(struct schedule *dst, const struct schedule *src)
{
	*dst = *src;
	sched_own_runs(dst);
}

void sched_own_runs(struct schedule *s)
{
	for (int i = 0; i < s->ncores; i++) {
		struct sched_lane *l = &s->lane[i];
		const struct sched_run *runs = l->runs;
		l->runs = NULL;
		l->cap = 0;
		if (l->n) {
			l->runs = xmalloc(l->n * sizeof *l->runs);
			memcpy(l->runs, runs, l->n * sizeof *l->runs);
			l->cap = l->n;
		}
	}
}

/* Read a decimal number of at most max at *p; -1 when there is none or
 * it is too large. */
static int64_t number(const char **p, int64_t max)
{
	int64_t v = 0;
	if (!isdigit((unsigned char)**p))
		return -1;
	for (; isdigit((unsigned char)**p); (*p)++) {
		int d = **p - '0';
		if (v > (max - d) / 10)
			return -1;      /* too large, before it can overflow */
		v = v * 10 + d;
	}
	return v;
}

/* A delivery at *p, after its 'c': client [ "/2" ] names one (1 into
 * *c), nothing holds the network only (0); -1 with err. */
static int delivery(const char *text, const char **p, int *c, int *split, char *err, size_t errlen)
{
	*c = *split = 0;
	if (!**p || strchr(" \t,\n|", **p))
		return 0;
	const char *at = *p;
	int64_t v = number(p, SCHED_MAX_CLIENT);
	if (v <= 0) {
		snprintf(err, errlen, "column %d: expected a client number (1 to %d) after 'c'",
			 (int)(at - text) + 1, SCHED_MAX_CLIENT);
		return -1;
	}
	*c = (int)v;
	if (**p == '/') {
		if ((*p)[1] != '2' || isdigit((unsigned char)(*p)[2])) {
			snprintf(err, errlen, "column %d: expected '/2' (the piece split in two) "
				 "after a delivery", (int)(*p - text) + 1);
			return -1;
		}
		*p += 2;
		*split = 1;
	}
	if (**p == '*') {
		snprintf(err, errlen, "column %d: a delivery takes no '*': write 'c%d' again for "
			 "the next piece", (int)(*p - text) + 1, *c);
		return -1;
	}
	return 1;
}

/* schedule := lane { '|' lane }   lane := { run }
 * run := (tid | '.') [ '*' n ] | 'c' [ client [ "/2" ] ] */
int sched_parse(const char *text, struct schedule *s, char *err, size_t errlen)
{
	const char *p = text;
	int core = 0;
	sched_free(s);
	s->ncores = 1;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n')
			p++;
		if (!*p)
			break;
		const char *at = p;
		if (*p == '|') {
			if (++core >= CONFIG_MAX_CORES) {
				snprintf(err, errlen, "column %d: more than %d cores",
					 (int)(at - text) + 1, CONFIG_MAX_CORES);
				goto fail;
			}
			s->ncores = core + 1;
			p++;
			continue;
		}
		int64_t tid = 0, n = 1;
		if (*p == 'c') {
			int c, split, got;
			p++;
			if ((got = delivery(text, &p, &c, &split, err, errlen)) < 0)
				goto fail;
			if (*p && !strchr(" \t,\n|", *p)) {
				snprintf(err, errlen, "column %d: unexpected '%c'",
					 (int)(p - text) + 1, isprint((unsigned char)*p) ? *p : '?');
				goto fail;
			}
			s->net = 1;
			if (got)
				sched_add_delivery(s, core, c, split);
			continue;
		}
		if (*p == '.')
			p++;
		else if ((tid = number(&p, SCHED_MAX_TID)) <= 0) {
			snprintf(err, errlen, "column %d: expected a thread number "
				 "(1 to %d) or '.' (idle)", (int)(at - text) + 1, SCHED_MAX_TID);
			goto fail;
		}
		if (*p == '*') {
			p++;
			const char *nat = p;
			if ((n = number(&p, INT64_MAX / 2)) <= 0) {
				snprintf(err, errlen, "column %d: expected a tick count "
					 "(1 or more) after '*'", (int)(nat - text) + 1);
				goto fail;
			}
		}
		if (*p && !strchr(" \t,\n|", *p)) {
			snprintf(err, errlen, "column %d: unexpected '%c'",
				 (int)(p - text) + 1, isprint((unsigned char)*p) ? *p : '?');
			goto fail;
		}
		sched_add(s, core, (int)tid, (uint64_t)n);
	}
	return 0;
fail:
	sched_free(s);
	return -1;
}

void sched_format(const struct schedule *s, struct buf *out)
{
	if (s->net && !sched_max_client(s))
		buf_puts(out, s->ncores && s->lane[0].n ? "c " : "c");
	for (int c = 0; c < s->ncores; c++) {
		if (c)
			buf_puts(out, " | ");
		const struct sched_lane *l = &s->lane[c];
		for (size_t i = 0; i < l->n; i++) {
			if (i)
				buf_putc(out, ' ');
			if (l->runs[i].tid < 0) {
				buf_printf(out, "c%d%s", sched_delivery_client(l->runs[i].tid),
					   sched_delivery_split(l->runs[i].tid) ? "/2" : "");
				continue;
			}
			if (l->runs[i].tid)
				buf_printf(out, "%d", l->runs[i].tid);
			else
				buf_putc(out, '.');
			if (l->runs[i].n != 1)
				buf_printf(out, "*%llu", (unsigned long long)l->runs[i].n);
		}
	}
}

/* A 64-bit step of the machine's own generator (splitmix64). */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The ready thread of highest priority, first in queue order: its index, or -1. */
static int best_ready(const struct machine *m)
{
	int best = -1;
	for (int i = 0; i < m->nready; i++)
		if (best < 0 || m->threads[m->ready[i] - 1].prio > m->threads[m->ready[best] - 1].prio)
			best = i;
	return best;
}

/* Whether the core's timer interrupts now: every quantum ticks of the
 * thread it runs. */
static int timer_due(const struct machine *m, const struct core *c)
{
	return c->slice && c->phase == 0;
}

/* Round robin: at each timer interrupt, the next thread in the queue. */
static int next_rr(const struct machine *m, const struct core *c)
{
	if (c->tid && (!timer_due(m, c) || !m->nready))
		return c->tid;
	return m->nready ? m->ready[0] : 0;
}

/* A scripted core: the thread of its current run, while that thread can
 * run; a run whose thread cannot is skipped.  Past the end: round robin. */
static int next_script(struct machine *m, struct core *c, int core)
{
	const struct sched_lane *l = &m->script->lane[core];
	struct sched_cursor *k = &c->script;
	for (; k->i < l->n; k->i++, k->used = 0) {
		const struct sched_run *r = &l->runs[k->i];
		if (r->tid < 0) {       /* the network's turn; nothing to deliver: skipped */
			net_deliver(m, sched_delivery_client(r->tid) - 1, sched_delivery_split(r->tid));
			continue;
		}
		if (k->used >= r->n)
			continue;
		if (r->tid == 0 || r->tid == c->tid)
			return r->tid;
		const struct thread *t = machine_thread(m, r->tid);
		if (t && t->state == TS_READY)
			return r->tid;
	}
	return next_rr(m, c);
}

int sched_next(struct machine *m, int core)
{
	struct core *c = &m->cores[core];
	if (m->pinned) {
		const struct thread *t = machine_thread(m, m->pinned);
		return t && (t->state == TS_READY || t->id == c->tid) ? t->id : 0;
	}
	switch (m->cfg->policy) {
	case POLICY_FIFO:
		return c->tid ? c->tid : m->nready ? m->ready[0] : 0;
	case POLICY_PRIORITY: {
		int b = best_ready(m);
		if (b < 0)
			return c->tid;
		int bt = m->ready[b];
		if (!c->tid)
			return bt;
		int pc = m->threads[c->tid - 1].prio, pb = m->threads[bt - 1].prio;
		if (pb > pc || (pb == pc && timer_due(m, c)))
			return bt;
		return c->tid;
	}
	case POLICY_RANDOM: {
		uint64_t n = (uint64_t)m->nready + (c->tid ? 1 : 0);
		if (!n)
			return 0;
		uint64_t r = rng_next(&m->rng) % n;
		return r == (uint64_t)m->nready ? c->tid : m->ready[r];
	}
	case POLICY_SCRIPT:
		return next_script(m, c, core);
	case POLICY_RR:
	default:
		return next_rr(m, c);
	}
}

int sched_script_over(const struct machine *m)
{
	for (int c = 0; c < m->ncores; c++)
		if (m->cores[c].script.i < m->script->lane[c].n)
			return 0;
	return 1;
}

void sched_advance(struct machine *m, int core, int tid, uint64_t n)
{
	if (m->cfg->policy != POLICY_SCRIPT)
		return;
	const struct sched_lane *l = &m->script->lane[core];
	struct sched_cursor *k = &m->cores[core].script;
	while (n && k->i < l->n && l->runs[k->i].tid == tid) {
		uint64_t left = l->runs[k->i].n - k->used, d = n < left ? n : left;
		k->used += d;
		n -= d;
		if (k->used == l->runs[k->i].n) {
			k->i++;
			k->used = 0;
		}
	}
}
