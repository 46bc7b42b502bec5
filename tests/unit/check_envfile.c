/* check_envfile.c — unit tests for environment files (SPEC §4.5,
 * libipc/config_envfile.c): Go %q quoting against Go's own outputs,
 * unquote rejections, byte-exact format/parse round trips and the
 * write/read of a real file in a temporary directory. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pbox.h"
#include "cleanup.h"

/* Outputs of Go's strconv.Quote / fmt %q for these inputs. */
static const struct {
        const char *in, *go;
} go_cases[] = {
    {"", "\"\""},
    {"abc", "\"abc\""},
    {"a\tb\"c\\", "\"a\\tb\\\"c\\\\\""},
    {"\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\""},
    {"\x01", "\"\\x01\""},
    {"\x1b[0m", "\"\\x1b[0m\""},
    {"\x7f", "\"\\x7f\""},
    {"\xff", "\"\\xff\""},
    {"a\x80z", "\"a\\x80z\""},
    {"\xc0\x80", "\"\\xc0\\x80\""},                   /* overlong NUL */
    {"\xed\xa0\x80", "\"\\xed\\xa0\\x80\""},          /* surrogate */
    {"\xe6\x97", "\"\\xe6\\x97\""},                   /* truncated */
    {"\xf4\x90\x80\x80", "\"\\xf4\\x90\\x80\\x80\""}, /* > U+10FFFF */
    {"é", "\"é\""},
    {"日本", "\"日本\""},
    {"😀", "\"😀\""},
    {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""}, /* U+FFFD itself is printable */
    {"\u2028", "\"\\u2028\""},
    {"\u2029", "\"\\u2029\""},
    {"\xc2\x85", "\"\\u0085\""},
    {"\u00a0", "\"\\u00a0\""},
    {"\u00ad", "\"\\u00ad\""},
    {"\ufeff", "\"\\ufeff\""},
    {"\xef\xbf\xbf", "\"\\uffff\""},
    {"\xf3\xb0\x80\x80", "\"\\U000f0000\""},
    {"'", "\"'\""},
    {"a=b c", "\"a=b c\""},
};

START_TEST(test_go_quote)
{
        _cleanup_free_ char *q = pbox_go_quote(go_cases[_i].in);
        _cleanup_free_ char *u = NULL;

        ck_assert_ptr_nonnull(q);
        ck_assert_str_eq(q, go_cases[_i].go);
        ck_assert_int_eq(pbox_go_unquote(q, strlen(q), &u), 0);
        ck_assert_str_eq(u, go_cases[_i].in);
}
END_TEST

static const struct {
        const char *q, *want;
} unquote_ok[] = {
    {"\"\\101\\102\"", "AB"},
    {"\"\\377\"", "\xff"},
    {"\"\\x41\\xFF\\xfe\"", "A\xff\xfe"},
    {"\"\\u00e9\\u00E9\"", "éé"},
    {"\"\\U0001F600\"", "😀"},
    {"\"\\U0010ffff\"", "\xf4\x8f\xbf\xbf"},
    {"\"raw\x01\xff bytes\"", "raw\x01\xff bytes"},
    {"\"tab\there\"", "tab\there"},
    {"\"'\"", "'"},
};

START_TEST(test_go_unquote_ok)
{
        _cleanup_free_ char *u = NULL;
        const char *q = unquote_ok[_i].q;

        ck_assert_int_eq(pbox_go_unquote(q, strlen(q), &u), 0);
        ck_assert_str_eq(u, unquote_ok[_i].want);
}
END_TEST

static const char *const unquote_bad[] = {
    "",
    "\"",
    "abc",
    "\"abc",
    "abc\"",
    "'a'",
    "`a`",
    "\"a\"b\"",
    "\"\\\"",
    "\"\\q\"",
    "\"\\'\"",
    "\"\\x4\"",
    "\"\\xg0\"",
    "\"\\u12\"",
    "\"\\u12g4\"",
    "\"\\ud800\"",
    "\"\\udfff\"",
    "\"\\U00110000\"",
    "\"\\U0000d800\"",
    "\"\\400\"",
    "\"\\08\"",
    "\"\\0\"",
    "\"\\12\"",
    "\"a\nb\"",
    "\"\\x00\"",
    "\"\\000\"",
    "\"\\u0000\"",
    "\"\\U00000000\"",
    "\"\\",
    "\"x\\\"",
};

START_TEST(test_go_unquote_bad)
{
        const char *q = unquote_bad[_i];
        char *u = (char *)"sentinel";

        ck_assert_msg(pbox_go_unquote(q, strlen(q), &u) == -EINVAL,
                      "'%s' unquoted", q);
        ck_assert_str_eq(u, "sentinel");
}
END_TEST

START_TEST(test_go_unquote_len)
{
        _cleanup_free_ char *u = NULL;

        /* Only q[0..len) is looked at. */
        ck_assert_int_eq(pbox_go_unquote("\"ab\"cd", 4, &u), 0);
        ck_assert_str_eq(u, "ab");
        ck_assert_int_eq(pbox_go_unquote("\"a\0b\"", 5, &u), -EINVAL);
}
END_TEST

START_TEST(test_format)
{
        struct pbox_env_vars env = {0};
        _cleanup_free_ char *s = NULL;
        size_t len = 99;

        s = pbox_env_file_format(&env, &len);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_eq(len, 0);
        free(s);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "A", "x y"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "B", "q\"\n\\"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "C", ""), 0);
        s = pbox_env_file_format(&env, &len);
        ck_assert_str_eq(s, "A=\"x y\"\nB=\"q\\\"\\n\\\\\"\nC=\"\"\n");
        ck_assert_uint_eq(len, strlen(s));
        pbox_env_vars_free(&env);
}
END_TEST

static void roundtrip(const struct pbox_env_vars *env)
{
        size_t len;
        _cleanup_free_ char *s = pbox_env_file_format(env, &len);
        struct pbox_env_vars back = {0};

        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(pbox_env_file_parse(s, len, &back), 0);
        ck_assert_uint_eq(back.n, env->n);
        for (size_t i = 0; i < env->n; i++) {
                ck_assert_str_eq(back.v[i].name, env->v[i].name);
                ck_assert_msg(strcmp(back.v[i].val, env->v[i].val) == 0,
                              "value of %s differs after round trip",
                              env->v[i].name);
        }
        pbox_env_vars_free(&back);
}

static const char *const edge_vals[] = {
    "",
    " ",
    "  lead and trail  ",
    "\"",
    "\"quoted\"",
    "\\",
    "\\n",
    "a\nb",
    "\n",
    "\r",
    "\r\n",
    "x\r",
    "\t",
    "é",
    "日本",
    "😀",
    "\xff",
    "\xc0\x80",
    "\x01",
    "\x7f",
    "a=b=c",
    "=",
    "#comment",
    "'",
    "\u2028",
    "\xc2\x85",
    "\u00a0",
    "\xef\xbf\xbf",
    "\\x41",
    "\\u00e9",
};

START_TEST(test_roundtrip_edges)
{
        struct pbox_env_vars env = {0};

        for (size_t i = 0; i < sizeof(edge_vals) / sizeof(edge_vals[0]); i++) {
                char name[16];
                snprintf(name, sizeof(name), "V%zu", i);
                ck_assert_int_eq(pbox_env_vars_upsert(&env, name, edge_vals[i]),
                                 0);
        }
        roundtrip(&env);
        pbox_env_vars_free(&env);
}
END_TEST

static uint64_t rng_state;
static uint32_t rng(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (uint32_t)(rng_state >> 16);
}

START_TEST(test_roundtrip_random)
{
        rng_state = 0x2545f4914f6cdd1dull;
        for (int iter = 0; iter < 2000; iter++) {
                struct pbox_env_vars env = {0};
                size_t npairs = rng() % 5;

                for (size_t i = 0; i < npairs; i++) {
                        char name[16], val[80];
                        size_t len = rng() % sizeof(val);
                        for (size_t k = 0; k < len; k++)
                                val[k] = (char)(1 + rng() % 255);
                        /* Splice in valid UTF-8 now and then. */
                        if (len > 8 && rng() % 2)
                                memcpy(val + rng() % (len - 4),
                                       "\xf0\x9f\x98\x80", 4);
                        val[len] = '\0';
                        snprintf(name, sizeof(name), "N%u", rng() % 6);
                        ck_assert_int_eq(pbox_env_vars_upsert(&env, name, val),
                                         0);
                }
                roundtrip(&env);
                pbox_env_vars_free(&env);
        }
}
END_TEST

static void parse_str(const char *s, struct pbox_env_vars *env)
{
        ck_assert_int_eq(pbox_env_file_parse(s, strlen(s), env), 0);
}

START_TEST(test_parse_rules)
{
        struct pbox_env_vars env = {0};

        parse_str("A=\"1\"\n"
                  "no equals sign here\n"
                  "\n"
                  "# a comment\n"
                  "# B=comment with equals\n"
                  "  C  =\"spaced name\"\r\n"
                  "D=plain raw value\n"
                  "E=\"unterminated\n"
                  "F=\"bad \\q escape\"\n"
                  "G= \"trimmed\" \t\n"
                  "H=b=c\n"
                  "1BAD=x\n"
                  "export I=1\n"
                  "J=\n"
                  "A=\"2\"\n"
                  "K=\"last\"",
                  &env);
        ck_assert_uint_eq(env.n, 9);
        ck_assert_str_eq(env.v[0].name, "A");
        ck_assert_str_eq(pbox_env_vars_get(&env, "A"), "2");
        ck_assert_str_eq(pbox_env_vars_get(&env, "C"), "spaced name");
        ck_assert_str_eq(pbox_env_vars_get(&env, "D"), "plain raw value");
        ck_assert_str_eq(pbox_env_vars_get(&env, "E"), "\"unterminated");
        ck_assert_str_eq(pbox_env_vars_get(&env, "F"), "\"bad \\q escape\"");
        ck_assert_str_eq(pbox_env_vars_get(&env, "G"), "trimmed");
        ck_assert_str_eq(pbox_env_vars_get(&env, "H"), "b=c");
        ck_assert_str_eq(pbox_env_vars_get(&env, "J"), "");
        ck_assert_str_eq(pbox_env_vars_get(&env, "K"), "last");
        ck_assert_ptr_null(pbox_env_vars_get(&env, "B"));
        ck_assert_ptr_null(pbox_env_vars_get(&env, "I"));
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_parse_merges)
{
        struct pbox_env_vars env = {0};

        ck_assert_int_eq(pbox_env_vars_upsert(&env, "X", "old"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "Y", "keep"), 0);
        parse_str("Z=\"new\"\nX=\"replaced\"\n", &env);
        ck_assert_uint_eq(env.n, 3);
        ck_assert_str_eq(env.v[0].name, "X");
        ck_assert_str_eq(env.v[0].val, "replaced");
        ck_assert_str_eq(env.v[1].val, "keep");
        ck_assert_str_eq(env.v[2].name, "Z");
        ck_assert_int_eq(pbox_env_file_parse(NULL, 0, &env), 0);
        ck_assert_int_eq(pbox_env_file_parse("", 0, &env), 0);
        ck_assert_uint_eq(env.n, 3);
        /* A line holding a NUL byte cannot become a C string: skipped. */
        ck_assert_int_eq(pbox_env_file_parse("N=a\0b\nM=1\n", 11, &env), 0);
        ck_assert_ptr_null(pbox_env_vars_get(&env, "N"));
        ck_assert_str_eq(pbox_env_vars_get(&env, "M"), "1");
        pbox_env_vars_free(&env);
}
END_TEST

static char *tmpdir_make(void)
{
        char *d = strdup("/tmp/check_envfile.XXXXXX");

        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_nonnull(mkdtemp(d));
        return d;
}

static size_t dir_count(const char *d)
{
        _cleanup_closedir_ DIR *dir = opendir(d);
        struct dirent *de;
        size_t n = 0;

        ck_assert_ptr_nonnull(dir);
        while ((de = readdir(dir)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        return n;
}

START_TEST(test_write_read)
{
        _cleanup_free_ char *d = tmpdir_make(), *path = NULL;
        struct pbox_env_vars env = {0}, back = {0};
        size_t big = 1 << 20;
        _cleanup_free_ char *bigval = malloc(big + 1);
        struct stat st;

        ck_assert_ptr_nonnull(bigval);
        for (size_t i = 0; i < big; i++)
                bigval[i] = (char)(1 + i % 255);
        bigval[big] = '\0';
        ck_assert_int_gt(asprintf(&path, "%s/environment", d), 0);
        for (size_t i = 0; i < sizeof(edge_vals) / sizeof(edge_vals[0]); i++) {
                char name[16];
                snprintf(name, sizeof(name), "V%zu", i);
                ck_assert_int_eq(pbox_env_vars_upsert(&env, name, edge_vals[i]),
                                 0);
        }
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "BIG", bigval), 0);
        umask(077);
        ck_assert_int_eq(pbox_write_environment(path, &env), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        ck_assert_uint_eq(dir_count(d), 1);
        ck_assert_int_eq(pbox_read_environment(path, &back), 0);
        ck_assert_uint_eq(back.n, env.n);
        for (size_t i = 0; i < env.n; i++) {
                ck_assert_str_eq(back.v[i].name, env.v[i].name);
                ck_assert(strcmp(back.v[i].val, env.v[i].val) == 0);
        }
        pbox_env_vars_free(&back);

        /* Overwrite replaces the whole file. */
        pbox_env_vars_free(&env);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "ONLY", "one"), 0);
        ck_assert_int_eq(pbox_write_environment(path, &env), 0);
        ck_assert_int_eq(pbox_read_environment(path, &back), 0);
        ck_assert_uint_eq(back.n, 1);
        ck_assert_str_eq(pbox_env_vars_get(&back, "ONLY"), "one");
        ck_assert_uint_eq(dir_count(d), 1);

        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(d), 0);
        pbox_env_vars_free(&back);
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_write_read_errors)
{
        _cleanup_free_ char *d = tmpdir_make(), *path = NULL;
        struct pbox_env_vars env = {0};

        ck_assert_int_gt(asprintf(&path, "%s/missing/environment", d), 0);
        ck_assert_int_eq(pbox_write_environment(path, &env), -ENOENT);
        ck_assert_int_eq(pbox_read_environment(path, &env), -ENOENT);
        ck_assert_int_eq(pbox_read_environment(d, &env), -EINVAL);
        /* Renaming over a directory fails; no temporary file is left. */
        ck_assert_int_eq(pbox_write_environment(d, &env), -EISDIR);
        ck_assert_int_eq(rmdir(d), 0);
        {
                _cleanup_free_ char *pat = NULL;
                glob_t g;
                ck_assert_int_gt(asprintf(&pat, "%s.*", d), 0);
                ck_assert_int_eq(glob(pat, 0, NULL, &g), GLOB_NOMATCH);
                globfree(&g);
        }
        ck_assert_int_eq(pbox_write_environment(NULL, &env), -EINVAL);
        ck_assert_int_eq(pbox_read_environment("/x", NULL), -EINVAL);
}
END_TEST

static Suite *envfile_suite(void)
{
        Suite *s = suite_create("envfile");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_go_quote, 0,
                            sizeof(go_cases) / sizeof(go_cases[0]));
        tcase_add_loop_test(tc, test_go_unquote_ok, 0,
                            sizeof(unquote_ok) / sizeof(unquote_ok[0]));
        tcase_add_loop_test(tc, test_go_unquote_bad, 0,
                            sizeof(unquote_bad) / sizeof(unquote_bad[0]));
        tcase_add_test(tc, test_go_unquote_len);
        tcase_add_test(tc, test_format);
        tcase_add_test(tc, test_roundtrip_edges);
        tcase_add_test(tc, test_roundtrip_random);
        tcase_add_test(tc, test_parse_rules);
        tcase_add_test(tc, test_parse_merges);
        tcase_add_test(tc, test_write_read);
        tcase_add_test(tc, test_write_read_errors);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(envfile_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
