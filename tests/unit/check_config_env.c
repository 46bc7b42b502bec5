/* check_config_env.c — unit tests for the environment-list language of
 * SPEC §4.1 (libipc/config_env.c): Planet's cases, every error with the
 * token it names, list semantics and the string() round trip. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"
#include "cleanup.h"

struct pair {
        const char *name, *val;
};

static void expect_pairs(const struct pbox_env_vars *env,
                         const struct pair *want, size_t n)
{
        ck_assert_uint_eq(env->n, n);
        for (size_t i = 0; i < n; i++) {
                ck_assert_str_eq(env->v[i].name, want[i].name);
                ck_assert_str_eq(env->v[i].val, want[i].val);
        }
}

static void parse_expect(const char *list, const struct pair *want, size_t n)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = pbox_env_vars_set(&env, list, err);
        ck_assert_msg(r == 0, "parse of '%s' failed: %d %s", list, r, err);
        expect_pairs(&env, want, n);
        pbox_env_vars_free(&env);
}

#define PARSE_EXPECT(list, ...)                                                \
        do {                                                                   \
                static const struct pair w_[] = {__VA_ARGS__};                 \
                parse_expect((list), w_, sizeof(w_) / sizeof(w_[0]));          \
        } while (0)

START_TEST(test_planet_cases)
{
        PARSE_EXPECT("var=value", {"var", "value"});
        PARSE_EXPECT("var=\"value1,value2\"", {"var", "value1,value2"});
        PARSE_EXPECT("var1=\"value1,value2\",var2=\"value1=value2\"",
                     {"var1", "value1,value2"}, {"var2", "value1=value2"});
        PARSE_EXPECT("var1=value1,var2=value2,", {"var1", "value1"},
                     {"var2", "value2"});
        PARSE_EXPECT(" var1=value1, var2 = value2 ", {"var1", "value1"},
                     {"var2", "value2"});
        PARSE_EXPECT("VAR1=VALUE1,var2=value2", {"VAR1", "VALUE1"},
                     {"var2", "value2"});
}
END_TEST

START_TEST(test_unquoted_values)
{
        PARSE_EXPECT("IP=192.168.1.1", {"IP", "192.168.1.1"});
        PARSE_EXPECT("a = hello  world ,b=x", {"a", "hello  world"},
                     {"b", "x"});
        PARSE_EXPECT("a=x=y;z:w", {"a", "x=y;z:w"});
        PARSE_EXPECT("_a9=1", {"_a9", "1"});
        PARSE_EXPECT("a=b\"c", {"a", "b\"c"});
        PARSE_EXPECT("a=\\n\\", {"a", "\\n\\"});
        PARSE_EXPECT("\ta=1\n,\r\nb=2\t", {"a", "1"}, {"b", "2"});
}
END_TEST

START_TEST(test_quoted_values)
{
        PARSE_EXPECT("a=\"\"", {"a", ""});
        PARSE_EXPECT("a = \"\" , b=1", {"a", ""}, {"b", "1"});
        PARSE_EXPECT("a=\"x,=;:y\"", {"a", "x,=;:y"});
        PARSE_EXPECT("a=\"x\\\"y\\\\z\"", {"a", "x\"y\\z"});
        /* Other backslashes are kept as they are. */
        PARSE_EXPECT("a=\"c:\\path\\n\\t\"", {"a", "c:\\path\\n\\t"});
        PARSE_EXPECT("a=\"  spaced  \"", {"a", "  spaced  "});
        PARSE_EXPECT("a=\"line1\nline2\"", {"a", "line1\nline2"});
        PARSE_EXPECT("a=\"\\\\\"", {"a", "\\"});
        PARSE_EXPECT("a=\"é日本\"", {"a", "é日本"});
        PARSE_EXPECT("a=\"x\" ,", {"a", "x"});
}
END_TEST

START_TEST(test_empty_inputs)
{
        static const char *const inputs[] = {"", " ", "\t\n  \r"};

        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                struct pbox_env_vars env = {0};
                char err[PBOX_ERR_LEN];
                ck_assert_int_eq(pbox_env_vars_set(&env, inputs[i], err), 0);
                ck_assert_uint_eq(env.n, 0);
                pbox_env_vars_free(&env);
        }
}
END_TEST

static const struct {
        const char *list;
        const char *token; /* must appear in the error message */
        const char *why;   /* and this too */
} bad_cases[] = {
    {"a=", "\"a=\"", "empty value"},
    {"a=  ,b=1", "\"a=\"", "empty value"},
    {"=b", "\"=b\"", "empty name"},
    {" = b", "\"= b\"", "empty name"},
    {"a", "\"a\"", "missing '='"},
    {"a=1,b", "\"b\"", "missing '='"},
    {"a=1,b,c=2", "\"b\"", "missing '='"},
    {",", "\",\"", "empty item"},
    {"a=1,,b=2", "\"a=1,,b=2\"", "empty item"},
    {"a=1, ,b=2", "\"a=1, ,b=2\"", "empty item"},
    {"a=1,,", "\"a=1,,\"", "empty item"},
    {"1a=b", "\"1a=b\"", "bad name"},
    {"9=b", "\"9=b\"", "bad name"},
    {"é=1", "\"é=1\"", "bad name"},
    {"aé=1", "\"aé=1\"", "bad name"},
    {"a b=1", "\"a b=1\"", "bad name"},
    {"a-b=1", "\"a-b=1\"", "bad name"},
    {"\"a\"=1", "\"\"a\"=1\"", "bad name"},
    {"a=\"x", "\"a=\"x\"", "unterminated quote"},
    {"a=\"", "\"a=\"\"", "unterminated quote"},
    {"a=\"x\\\"", "\"a=\"x\\\"\"", "unterminated quote"},
    {"b=1,a=\"x,y", "\"a=\"x,y\"", "unterminated quote"},
    {"a=\"x\"y", "\"a=\"x\"y\"", "junk after closing quote"},
    {"a=\"x\" y,b=1", "\"a=\"x\" y\"", "junk after closing quote"},
    {"a=\"x\"\"y\"", "\"a=\"x\"\"y\"\"", "junk after closing quote"},
};

START_TEST(test_errors)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];
        const char *list = bad_cases[_i].list;
        int r;

        ck_assert_int_eq(pbox_env_vars_upsert(&env, "KEEP", "me"), 0);
        memset(err, 0, sizeof(err));
        r = pbox_env_vars_set(&env, list, err);
        ck_assert_msg(r == -EINVAL, "'%s' parsed (r=%d)", list, r);
        ck_assert_msg(strstr(err, bad_cases[_i].token) != NULL,
                      "error for '%s' lacks token %s: %s", list,
                      bad_cases[_i].token, err);
        ck_assert_msg(strstr(err, bad_cases[_i].why) != NULL,
                      "error for '%s' lacks reason '%s': %s", list,
                      bad_cases[_i].why, err);
        ck_assert_ptr_null(strchr(err, '\n'));
        /* env unchanged on a parse error. */
        ck_assert_uint_eq(env.n, 1);
        ck_assert_str_eq(pbox_env_vars_get(&env, "KEEP"), "me");
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_error_leaves_env_unchanged)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_env_vars_set(&env, "a=1,b=2", err), 0);
        /* Valid items before the error must not be applied either. */
        ck_assert_int_eq(pbox_env_vars_set(&env, "a=9,c=3,d=", err), -EINVAL);
        ck_assert_uint_eq(env.n, 2);
        ck_assert_str_eq(pbox_env_vars_get(&env, "a"), "1");
        ck_assert_ptr_null(pbox_env_vars_get(&env, "c"));
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_error_message_bounded)
{
        size_t n = 1 << 20;
        _cleanup_free_ char *list = malloc(n + 16);
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_ptr_nonnull(list);
        /* A huge unterminated value with a newline in it: the message
         * stays one bounded line. */
        strcpy(list, "a=\"x\ny");
        memset(list + 6, 'z', n);
        list[n + 6] = '\0';
        ck_assert_int_eq(pbox_env_vars_set(&env, list, err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "a=\"x\\x0ay"));
        ck_assert_ptr_nonnull(strstr(err, "unterminated quote"));
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_assert_uint_lt(strlen(err), PBOX_ERR_LEN);
}
END_TEST

START_TEST(test_duplicates)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];

        PARSE_EXPECT("a=1,b=2,a=3", {"a", "3"}, {"b", "2"});
        ck_assert_int_eq(pbox_env_vars_set(&env, "x=1,y=2", err), 0);
        ck_assert_int_eq(pbox_env_vars_set(&env, "z=3,x=4", err), 0);
        {
                static const struct pair w[] = {
                    {"x", "4"}, {"y", "2"}, {"z", "3"}};
                expect_pairs(&env, w, 3);
        }
        /* Names are case-sensitive. */
        ck_assert_int_eq(pbox_env_vars_set(&env, "X=5", err), 0);
        ck_assert_uint_eq(env.n, 4);
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_large_values)
{
        size_t n = 1 << 20;
        _cleanup_free_ char *list = malloc(n + 64);
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];
        const char *v;

        ck_assert_ptr_nonnull(list);
        strcpy(list, "big=");
        memset(list + 4, 'v', n);
        strcpy(list + 4 + n, ",q=\"");
        ck_assert_int_eq(pbox_env_vars_set(&env, list, err), -EINVAL);
        /* Quoted 1 MiB value with commas and escapes. */
        memset(list + 8 + n, ',', 10);
        strcpy(list + 18 + n, "\\\"\"");
        ck_assert_int_eq(pbox_env_vars_set(&env, list, err), 0);
        ck_assert_uint_eq(env.n, 2);
        v = pbox_env_vars_get(&env, "big");
        ck_assert_uint_eq(strlen(v), n);
        ck_assert_int_eq(v[0], 'v');
        ck_assert_int_eq(v[n - 1], 'v');
        ck_assert_str_eq(pbox_env_vars_get(&env, "q"), ",,,,,,,,,,\"");
        {
                _cleanup_free_ char *s = pbox_env_vars_string(&env);
                struct pbox_env_vars back = {0};
                ck_assert_ptr_nonnull(s);
                ck_assert_int_eq(pbox_env_vars_set(&back, s, err), 0);
                ck_assert_str_eq(pbox_env_vars_get(&back, "big"), v);
                pbox_env_vars_free(&back);
        }
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_upsert_get)
{
        struct pbox_env_vars env = {0};

        ck_assert_ptr_null(pbox_env_vars_get(&env, "a"));
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "a", "1"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "b", ""), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "a", "2"), 0);
        {
                static const struct pair w[] = {{"a", "2"}, {"b", ""}};
                expect_pairs(&env, w, 2);
        }
        ck_assert_str_eq(pbox_env_vars_get(&env, "b"), "");
        ck_assert_ptr_null(pbox_env_vars_get(&env, "A"));
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "1a", "x"), -EINVAL);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "", "x"), -EINVAL);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "a=b", "x"), -EINVAL);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "c", NULL), -EINVAL);
        ck_assert_uint_eq(env.n, 2);
        /* Many entries: growth keeps order. */
        for (int i = 0; i < 100; i++) {
                char name[16];
                snprintf(name, sizeof(name), "v%d", i);
                ck_assert_int_eq(pbox_env_vars_upsert(&env, name, name), 0);
        }
        ck_assert_uint_eq(env.n, 102);
        ck_assert_str_eq(env.v[101].name, "v99");
        ck_assert_str_eq(pbox_env_vars_get(&env, "v50"), "v50");
        pbox_env_vars_free(&env);
        pbox_env_vars_free(&env);
        ck_assert_uint_eq(env.n, 0);
        ck_assert_ptr_null(env.v);
}
END_TEST

START_TEST(test_delete)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];
        char *old = NULL;

        ck_assert_int_eq(pbox_env_vars_set(&env, "a=1,b=2,c=3", err), 0);
        ck_assert_int_eq(pbox_env_vars_delete(&env, "b", &old), 0);
        ck_assert_str_eq(old, "2");
        free(old);
        {
                static const struct pair w[] = {{"a", "1"}, {"c", "3"}};
                expect_pairs(&env, w, 2);
        }
        old = (char *)"untouched";
        ck_assert_int_eq(pbox_env_vars_delete(&env, "b", &old), -ENOENT);
        ck_assert_str_eq(old, "untouched");
        ck_assert_int_eq(pbox_env_vars_delete(&env, "a", NULL), 0);
        ck_assert_int_eq(pbox_env_vars_delete(&env, "c", NULL), 0);
        ck_assert_uint_eq(env.n, 0);
        ck_assert_int_eq(pbox_env_vars_delete(&env, "c", NULL), -ENOENT);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "d", "4"), 0);
        ck_assert_str_eq(pbox_env_vars_get(&env, "d"), "4");
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_append)
{
        struct pbox_env_vars env = {0};

        ck_assert_int_eq(pbox_env_vars_append(&env, "PATH", "/bin", ":"), 0);
        ck_assert_str_eq(pbox_env_vars_get(&env, "PATH"), "/bin");
        ck_assert_int_eq(pbox_env_vars_append(&env, "PATH", "/usr/bin", ":"),
                         0);
        ck_assert_str_eq(pbox_env_vars_get(&env, "PATH"), "/bin:/usr/bin");
        ck_assert_int_eq(pbox_env_vars_append(&env, "PATH", "x", NULL), 0);
        ck_assert_str_eq(pbox_env_vars_get(&env, "PATH"), "/bin:/usr/binx");
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "E", ""), 0);
        ck_assert_int_eq(pbox_env_vars_append(&env, "E", "v", ","), 0);
        ck_assert_str_eq(pbox_env_vars_get(&env, "E"), ",v");
        ck_assert_int_eq(pbox_env_vars_append(&env, "9", "v", ","), -EINVAL);
        ck_assert_uint_eq(env.n, 2);
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_environ)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];
        char **v;

        v = pbox_env_vars_environ(&env);
        ck_assert_ptr_nonnull(v);
        ck_assert_ptr_null(v[0]);
        strv_free(v);
        ck_assert_int_eq(
            pbox_env_vars_set(&env, "A=1,B=\"x=y,z\",C=\"\",A=2", err), 0);
        v = pbox_env_vars_environ(&env);
        ck_assert_ptr_nonnull(v);
        ck_assert_str_eq(v[0], "A=2");
        ck_assert_str_eq(v[1], "B=x=y,z");
        ck_assert_str_eq(v[2], "C=");
        ck_assert_ptr_null(v[3]);
        strv_free(v);
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_string_format)
{
        struct pbox_env_vars env = {0};
        char *s;

        s = pbox_env_vars_string(&env);
        ck_assert_str_eq(s, "");
        free(s);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "a", "1"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "IP", "192.168.1.1"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "b", "x,y"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "c", ""), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "d", "q\"b\\"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "e", " pad"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "f", "in side=ok"), 0);
        s = pbox_env_vars_string(&env);
        ck_assert_str_eq(s, "a=1,IP=192.168.1.1,b=\"x,y\",c=\"\","
                            "d=\"q\\\"b\\\\\",e=\" pad\",f=in side=ok");
        free(s);
        pbox_env_vars_free(&env);
}
END_TEST

static void roundtrip(const struct pbox_env_vars *env)
{
        _cleanup_free_ char *s = pbox_env_vars_string(env);
        struct pbox_env_vars back = {0};
        char err[PBOX_ERR_LEN] = "";
        int r;

        ck_assert_ptr_nonnull(s);
        r = pbox_env_vars_set(&back, s, err);
        ck_assert_msg(r == 0, "string() output did not parse: %s", err);
        ck_assert_uint_eq(back.n, env->n);
        for (size_t i = 0; i < env->n; i++) {
                ck_assert_str_eq(back.v[i].name, env->v[i].name);
                ck_assert_str_eq(back.v[i].val, env->v[i].val);
        }
        pbox_env_vars_free(&back);
}

START_TEST(test_string_roundtrip_edges)
{
        static const char *const vals[] = {
            "",      " ",    "\t",    "a b",  "\"",   "\\",   "\\\"",
            "\"\\",  ",",    "a,",    "=",    "x=",   "\n",   "\r\n",
            "é",     "日本", "😀",     "\xff", "\x01", "\x7f", "a\\",
            " a\\ ", "\"\"", "\"x\"", "x\"",  ";:",   "\\n",  "a\x0b"};
        struct pbox_env_vars env = {0};

        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
                char name[16];
                snprintf(name, sizeof(name), "V%zu", i);
                ck_assert_int_eq(pbox_env_vars_upsert(&env, name, vals[i]), 0);
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

START_TEST(test_string_roundtrip_random)
{
        rng_state = 0x9e3779b97f4a7c15ull;
        for (int iter = 0; iter < 2000; iter++) {
                struct pbox_env_vars env = {0};
                size_t npairs = rng() % 5;

                for (size_t i = 0; i < npairs; i++) {
                        char name[16], val[64];
                        size_t len = rng() % sizeof(val);
                        for (size_t k = 0; k < len; k++) {
                                /* Bias towards the bytes that matter. */
                                static const char special[] = " \t\n,\"\\=";
                                val[k] = rng() % 4 == 0
                                             ? special[rng() % 7]
                                             : (char)(1 + rng() % 255);
                        }
                        val[len] = '\0';
                        snprintf(name, sizeof(name), "_%u", rng() % 8);
                        ck_assert_int_eq(pbox_env_vars_upsert(&env, name, val),
                                         0);
                }
                roundtrip(&env);
                pbox_env_vars_free(&env);
        }
}
END_TEST

START_TEST(test_null_args)
{
        struct pbox_env_vars env = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_env_vars_set(&env, NULL, err), -EINVAL);
        ck_assert_int_eq(pbox_env_vars_set(NULL, "a=1", err), -EINVAL);
        /* err is optional. */
        ck_assert_int_eq(pbox_env_vars_set(&env, "a=", NULL), -EINVAL);
        ck_assert_int_eq(pbox_env_vars_set(&env, "a=1", NULL), 0);
        ck_assert_ptr_null(pbox_env_vars_get(&env, NULL));
        pbox_env_vars_free(&env);
        pbox_env_vars_free(NULL);
}
END_TEST

static Suite *config_env_suite(void)
{
        Suite *s = suite_create("config_env");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_planet_cases);
        tcase_add_test(tc, test_unquoted_values);
        tcase_add_test(tc, test_quoted_values);
        tcase_add_test(tc, test_empty_inputs);
        tcase_add_loop_test(tc, test_errors, 0,
                            sizeof(bad_cases) / sizeof(bad_cases[0]));
        tcase_add_test(tc, test_error_leaves_env_unchanged);
        tcase_add_test(tc, test_error_message_bounded);
        tcase_add_test(tc, test_duplicates);
        tcase_add_test(tc, test_large_values);
        tcase_add_test(tc, test_upsert_get);
        tcase_add_test(tc, test_delete);
        tcase_add_test(tc, test_append);
        tcase_add_test(tc, test_environ);
        tcase_add_test(tc, test_string_format);
        tcase_add_test(tc, test_string_roundtrip_edges);
        tcase_add_test(tc, test_string_roundtrip_random);
        tcase_add_test(tc, test_null_args);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(config_env_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
