/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the table of ~/.otp keys (common/otpfile_keys.c), driven by the table
 * itself: a row added later is checked without a new test. Every row must be written for a
 * fully populated record and read back (a row that parses but does not write, or writes
 * what it does not read, fails here), and its arity, repeat, kind, needed and requires rules
 * must hold in the parser.
 */
#include "otpfile_check.h"
#include "otpfile_keys.h"

#define TEXT_MAX 8192

/* ---- fully populated records, one per kind ---- */

static void populate_common(struct otp_record *rec)
{
	rec->window = 2;
	strcpy(rec->phone, "+15551234567");
	rec->has_backup_kdf = true;
	rec->backup_kdf.log2_n = 14;
	rec->backup_kdf.r = 8;
	rec->backup_kdf.p = 1;
	fill(rec->backup_kdf.salt, OTP_SALT_LEN, 1);
	rec->backup_count = 2;
	fill(rec->backup[0], OTP_HASH_LEN, 2);
	fill(rec->backup[1], OTP_HASH_LEN, 3);
	rec->failures = 3;
	rec->last_failure = 1700000000;
	rec->locked_until = 1700000060;
	rec->has_sms_code = true;
	fill(rec->sms_salt, OTP_SALT_LEN, 4);
	fill(rec->sms_hash, OTP_HASH_LEN, 5);
	rec->sms_expiry = 1700000300;
	rec->sms_last = 1699999999;
	rec->sms_day = 19675;
	rec->sms_day_count = 2;
	rec->grace_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		fill(rec->grace[i].host, OTP_GRACE_HASH_LEN, 6 + i);
		rec->grace[i].until = 1700003600 + i;
		fill(rec->grace[i].mac, OTP_GRACE_HASH_LEN, 8 + i);
	}
	rec->extra[0] = strdup("future_key some value");
	assert_non_null(rec->extra[0]);
	rec->extra_count = 1;
}

/* Device i of a populated record: totp or hotp, plain or sealed, all state set. */
static void populate_device(struct otp_device *d, const char *name, enum otp_type type,
			    bool sealed, unsigned seed)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	d->type = type;
	d->alg = type == OTP_HOTP ? OTP_SHA256 : OTP_SHA512;
	d->digits = 8;
	d->period = type == OTP_HOTP ? 30 : 45;
	d->sealed = sealed;
	if (sealed) {
		fill(d->seal.keyid, OTP_SEAL_KEYID_LEN, seed);
		fill(d->seal.eph, OTP_SEAL_PUB_LEN, seed + 1);
		fill(d->seal.nonce, OTP_SEAL_NONCE_LEN, seed + 2);
		d->seal.ct_len = 40;
		fill(d->seal.ct, 40, seed + 3);
	} else {
		d->secret_len = 32;
		fill(d->secret, 32, seed);
	}
	d->last_step = type == OTP_HOTP ? -1 : 56666600 + (int64_t)seed;
	d->counter = type == OTP_HOTP ? 1000 + seed : 0;
	d->resync_counter = type == OTP_HOTP ? 1100 + (int64_t)seed : -1;
	d->added = 1690000000 + seed;
	d->matched = 1700000000 + seed;
	d->drift = type == OTP_HOTP ? 0 : -(int)seed;
}

/* Device 0's name and history, and two more devices of the other settings. */
static void populate_devices(struct otp_record *rec, int which)
{
	strcpy(rec->name, which ? "token" : "phone");
	rec->added = 1690000000;
	rec->matched = 1700000100;
	rec->drift = which ? 0 : 4;
	populate_device(&rec->devices[0], "spare", OTP_TOTP, which == 1, 20);
	populate_device(&rec->devices[1], "yubikey", OTP_HOTP, which == 0, 30);
	rec->device_count = 2;
}

/* kind 0: TOTP with a plain secret; 1: HOTP with a sealed secret; 2: SMS codes only. */
#define RECORDS 3
static const unsigned record_kind[RECORDS] = { OTP_KIND_TOTP, OTP_KIND_HOTP, OTP_KIND_SMS };

static void populate(struct otp_record *rec, int which)
{
	otp_record_init(rec);
	populate_common(rec);
	if (which == 0) {
		rec->alg = OTP_SHA256;
		rec->digits = 8;
		rec->period = 60;
		rec->secret_len = 20;
		fill(rec->secret, 20, 10);
		rec->last_step = 56666666;
	} else if (which == 1) {
		rec->type = OTP_HOTP;
		rec->alg = OTP_SHA512;
		rec->digits = 7;
		rec->sealed = true;
		fill(rec->seal.keyid, OTP_SEAL_KEYID_LEN, 11);
		fill(rec->seal.eph, OTP_SEAL_PUB_LEN, 12);
		fill(rec->seal.nonce, OTP_SEAL_NONCE_LEN, 13);
		rec->seal.ct_len = 36;
		fill(rec->seal.ct, 36, 14);
		rec->counter = 42;
		rec->resync_counter = 50;
		rec->sms_by_provider = true; /* the other form of sms_code */
	}
	if (which < 2)
		populate_devices(rec, which);
}

/* The formatted text of a fully populated record of each kind. */
static void format_record(int which, char *text)
{
	struct otp_record rec;
	char *out = NULL;
	size_t len = 0;

	populate(&rec, which);
	assert_int_equal(otp_record_format(&rec, &out, &len), OTP_OK);
	assert_true(len < TEXT_MAX);
	memcpy(text, out, len + 1);
	otp_free_str(out);
	otp_record_clear(&rec);
}

/* ---- lines of a text ---- */

/* The row of a line's key, or -1 (comments, kept unknown lines). */
static int line_row(const char *line)
{
	char key[64];
	size_t n = strcspn(line, " \t\n");

	if (n == 0 || n >= sizeof(key))
		return -1;
	memcpy(key, line, n);
	key[n] = '\0';
	return otp_key_find(key);
}

/* The first line of text for row (without its newline) into line; false if none. */
static bool find_line(const char *text, int row, char *line, size_t size)
{
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = strcspn(l, "\n");

		if (line_row(l) == row) {
			assert_true(n < size);
			memcpy(line, l, n);
			line[n] = '\0';
			return true;
		}
	}
	return false;
}

/* text without the lines of row, into out. */
static void drop_row(const char *text, int row, char *out)
{
	size_t o = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		size_t n = strcspn(l, "\n") + 1;

		if (line_row(l) != row) {
			memcpy(out + o, l, n);
			o += n;
		}
	}
	out[o] = '\0';
}

/* a, then the line b and a newline, into out[size]. */
static void join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	assert_true(la + lb + 2 <= size);
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	memcpy(out + la + lb, "\n", 2);
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* ---- the table's shape ---- */

static void test_table_shape(void **state)
{
	(void)state;
	assert_string_equal(otp_keys[OTP_KEY_VERSION].name, "version");
	for (int i = 0; i < OTP_KEY_ROWS; i++) {
		const struct otp_key *k = &otp_keys[i];

		assert_non_null(k->name);
		assert_int_equal(otp_key_find(k->name), i); /* names are unique */
		assert_non_null(k->parse);
		assert_non_null(k->format);
		assert_true(k->min_values >= 1 && k->min_values <= k->max_values);
		/* One more value than allowed must still reach the row's arity check. */
		assert_true(k->max_values < OTP_VALUES_MAX);
		assert_true(k->kinds != 0 && (k->kinds & ~OTP_KIND_ANY) == 0);
		assert_int_equal(k->needed & ~k->kinds, 0);
		if (k->slot)
			assert_true(otp_key_find(k->slot) >= 0 && !otp_keys[otp_key_slot(i)].slot);
		if (k->requires)
			assert_true(otp_key_find(k->requires) >= 0);
		if (k->needed || k->requires)
			assert_non_null(k->missing);
	}
	assert_int_equal(otp_key_find("no_such_key"), -1);
}

/* Every row is written for some populated record, and every written line is a row's. */
static void test_every_row_written(void **state)
{
	static char text[TEXT_MAX];
	bool written[OTP_KEY_ROWS] = { false };

	(void)state;
	for (int r = 0; r < RECORDS; r++) {
		format_record(r, text);
		for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
			int row = line_row(l);

			if (row >= 0) {
				/* Written only for the kinds the row belongs to. */
				assert_true(otp_keys[row].kinds & record_kind[r]);
				written[row] = true;
			} else {
				assert_true(l[0] == '#' || strncmp(l, "future_key ", 11) == 0);
			}
		}
	}
	for (int i = 0; i < OTP_KEY_ROWS; i++) {
		if (!written[i])
			print_error("row '%s' is never written\n", otp_keys[i].name);
		assert_true(written[i]);
	}
}

/*
 * Every populated record parses back equal and formats to the same text; and every row's
 * line matters: without it the record parses differently (or not at all), so the row's
 * parse stores what its format wrote.
 */
static void test_every_row_read(void **state)
{
	static char text[TEXT_MAX], less[TEXT_MAX];
	struct otp_record want, got;
	struct otp_why err;
	char *again = NULL;
	size_t len;

	(void)state;
	for (int r = 0; r < RECORDS; r++) {
		format_record(r, text);
		populate(&want, r);
		assert_ok(text, &got);
		assert_records_equal(&want, &got);
		otp_record_clear(&want);
		/* What each row parsed is what it writes again. */
		assert_int_equal(otp_record_format(&got, &again, &len), OTP_OK);
		assert_string_equal(again, text);
		otp_free_str(again);
		for (int i = 0; i < OTP_KEY_ROWS; i++) {
			if (!(otp_keys[i].kinds & record_kind[r]))
				continue;
			drop_row(text, i, less);
			if (strcmp(less, text) == 0)
				continue; /* not in this record (secret and sealed take turns) */
			if (otp_record_parse(less, strlen(less), &want, &err) != OTP_OK)
				continue; /* needed: see test_needed_keys */
			assert_int_equal(otp_record_format(&want, &again, &len), OTP_OK);
			if (strcmp(again, text) == 0)
				print_error("without its '%s' line, the record is the same\n",
					    otp_keys[i].name);
			assert_string_not_equal(again, text);
			otp_free_str(again);
			otp_record_clear(&want);
		}
		otp_record_clear(&got);
	}
}

/* One value more or fewer than the row takes is refused on that line. */
static void test_arity(void **state)
{
	static char text[TEXT_MAX], bad[TEXT_MAX + 256];
	char want[64];

	(void)state;
	format_record(0, text);
	for (int i = 0; i < OTP_KEY_ROWS; i++) {
		const struct otp_key *k = &otp_keys[i];
		int counts[2] = { k->min_values - 1, k->max_values + 1 };

		snprintf(want, sizeof(want), "%s takes %d value", k->name, k->max_values);
		for (int c = 0; c < 2; c++) {
			int n = snprintf(bad, sizeof(bad), "%s%s", text, k->name);

			for (int v = 0; v < counts[c]; v++)
				n += snprintf(bad + n, sizeof(bad) - (size_t)n, " 1");
			snprintf(bad + n, sizeof(bad) - (size_t)n, "\n");
			assert_error(bad, OTP_E_PARSE, count_lines(text) + 1, want);
		}
	}
}

/*
 * Every count the row allows reaches its parse, with the written values cut to that count:
 * the parse must give a result (or a reason on that line), not read a value that is not
 * there (a min_values set too low would crash here).
 */
static void test_arity_in_range(void **state)
{
	static char text[RECORDS][TEXT_MAX], cut[TEXT_MAX + 1100];
	char line[1100];
	struct otp_record rec;
	struct otp_why err;

	(void)state;
	for (int r = 0; r < RECORDS; r++)
		format_record(r, text[r]);
	for (int r = 0; r < RECORDS; r++) {
		for (int i = 0; i < OTP_KEY_ROWS; i++) {
			if (!find_line(text[r], i, line, sizeof(line)))
				continue;
			for (int c = otp_keys[i].min_values; c <= otp_keys[i].max_values; c++) {
				char *p = line;
				int rc;

				for (int v = 0; v <= c && p; v++)
					p = strchr(p + 1, ' ');
				if (p)
					*p = '\0';
				join(cut, sizeof(cut), "version 1", line);
				rc = otp_record_parse(cut, strlen(cut), &rec, &err);
				assert_true(rc == OTP_OK || (rc == OTP_E_PARSE && err.line <= 2));
				otp_record_clear(&rec);
				find_line(text[r], i, line, sizeof(line));
			}
		}
	}
}

/* A second line for a key that does not repeat is refused; a repeating key adds an item. */
static void test_repeats(void **state)
{
	static char text[TEXT_MAX], twice[TEXT_MAX + 1100];
	char line[1100], want[64];
	struct otp_record rec;

	(void)state;
	for (int r = 0; r < RECORDS; r++) {
		format_record(r, text);
		for (int i = 0; i < OTP_KEY_ROWS; i++) {
			if (!find_line(text, i, line, sizeof(line)))
				continue;
			join(twice, sizeof(twice), text, line);
			if (strcmp(otp_keys[i].name, "device") == 0) {
				/* The same line twice is a name used twice; renamed, one more. */
				assert_error(twice, OTP_E_PARSE, 0, "device name spare is used twice");
				memcpy(strstr(twice + strlen(text), "spare"), "sparf", 5);
				assert_ok(twice, &rec);
				assert_int_equal(rec.device_count, 3);
				otp_record_clear(&rec);
				continue;
			}
			if (!otp_keys[i].repeats) {
				snprintf(want, sizeof(want), "%s appears twice", otp_keys[i].name);
				assert_error(twice, OTP_E_PARSE, count_lines(text) + 1, want);
				continue;
			}
			assert_ok(twice, &rec);
			assert_int_equal(rec.backup_count + rec.grace_count, 2 + 2 + 1);
			otp_record_clear(&rec);
		}
	}
}

/* A key that takes another's place (sealed for secret) is a second line for that key. */
static void test_slots(void **state)
{
	static char tot[TEXT_MAX], hot[TEXT_MAX], less[TEXT_MAX], both[TEXT_MAX + 1100];
	char line[1100], want[64];

	(void)state;
	format_record(0, tot); /* plain secret */
	format_record(1, hot); /* sealed */
	for (int i = 0; i < OTP_KEY_ROWS; i++) {
		int other = otp_keys[i].slot ? otp_key_find(otp_keys[i].slot) : -1;

		if (other < 0)
			continue;
		assert_true(find_line(hot, i, line, sizeof(line)) || find_line(tot, i, line, 1100));
		drop_row(tot, i, less);
		join(both, sizeof(both), less, line);
		snprintf(want, sizeof(want), "%s appears twice", otp_keys[i].name);
		assert_error(both, OTP_E_PARSE, count_lines(both), want);
	}
}

/* Without a key its kind of record needs (or one another key requires): the row's reason. */
static void test_needed_keys(void **state)
{
	static char text[TEXT_MAX], less[TEXT_MAX];
	char line[1100];
	int checked = 0;

	(void)state;
	for (int r = 0; r < RECORDS; r++) {
		format_record(r, text);
		for (int i = 1; i < OTP_KEY_ROWS; i++) { /* version: see test_version_first */
			const struct otp_key *k = &otp_keys[i];
			int req = k->requires ? otp_key_find(k->requires) : -1;

			if ((k->needed & record_kind[r]) && find_line(text, i, line, sizeof(line))) {
				drop_row(text, i, less);
				assert_error(less, OTP_E_PARSE, 0, k->missing);
				checked++;
			}
			if (req >= 0 && (k->kinds & record_kind[r])) {
				drop_row(text, req, less);
				assert_error(less, OTP_E_PARSE, 0, k->missing);
				checked++;
			}
		}
	}
	assert_true(checked >= 3 + 3); /* type, secret, phone; backup in each kind */
}

static void test_version_first(void **state)
{
	static char text[TEXT_MAX], less[TEXT_MAX];

	(void)state;
	format_record(0, text);
	drop_row(text, OTP_KEY_VERSION, less);
	assert_error(less, OTP_E_PARSE, 2, "first line must be 'version 1'");
	assert_error("# only comments\n", OTP_E_PARSE, 0, otp_keys[OTP_KEY_VERSION].missing);
}

/*
 * A key in a record of a kind it does not belong to is refused (line 0, naming the key).
 * The keys that decide the kind (type, secret and what stands for it) are left out: added
 * to an SMS-only record they make it a code record, missing something else.
 */
static void test_kinds(void **state)
{
	static char text[RECORDS][TEXT_MAX], bad[TEXT_MAX + 1100];
	char line[1100];
	int checked = 0;

	(void)state;
	for (int r = 0; r < RECORDS; r++)
		format_record(r, text[r]);
	for (int i = 0; i < OTP_KEY_ROWS; i++) {
		const struct otp_key *k = &otp_keys[i];
		bool found = false;

		if ((otp_keys[otp_key_slot(i)].needed & OTP_KIND_ANY) == OTP_KIND_CODE)
			continue;
		for (int r = 0; r < RECORDS && !found; r++)
			found = find_line(text[r], i, line, sizeof(line));
		assert_true(found);
		for (int r = 0; r < RECORDS; r++) {
			if (k->kinds & record_kind[r])
				continue;
			join(bad, sizeof(bad), text[r], line);
			assert_error(bad, OTP_E_PARSE, 0, k->name);
			checked++;
		}
	}
	assert_true(checked >= 4 + 2); /* period, counter, last_step, resync_counter (x2) ... */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_every_row_written),
		cmocka_unit_test(test_every_row_read),
		cmocka_unit_test(test_arity),
		cmocka_unit_test(test_arity_in_range),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_needed_keys),
		cmocka_unit_test(test_version_first),
		cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
