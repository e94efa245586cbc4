/* SPDX-License-Identifier: Apache-2.0
 *
 * mqadmin.c -- the operator CLI's entry point: finds the subcommand (RocketMQ's names, from
 * MQAdminStartup), parses its options the way commons-cli does, sets up the NameServer list
 * (-n or NAMESRV_ADDR) and runs it. `mqadmin help` lists the commands, `mqadmin help <cmd>`
 * prints a command's usage. Exit status: 0 on success, 1 on failure with a line on stderr.
 * The commands live in cmd_*.c; shared helpers are declared in admin.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"

/* Options every subcommand accepts (ServerUtil.buildCommandlineOptions). */
static const adm_opt_t adm_global_opts[] = {
    {'h', "help", 0, 0, "Print help"},
    {'n', "namesrvAddr", 1, 0, "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'"},
};

static const adm_cmd_t *const adm_groups[] = {
    adm_topic_cmds,    adm_cluster_cmds, adm_broker_cmds,
    adm_consumer_cmds, adm_message_cmds, adm_offset_cmds,
};

static const adm_cmd_t *
adm_cmd_find(const char *name)
{
    for (size_t g = 0; g < MQ_ARRAY_LEN(adm_groups); g++) {
        for (const adm_cmd_t *c = adm_groups[g]; c->name != NULL; c++) {
            if (strcmp(c->name, name) == 0) {
                return c;
            }
        }
    }
    return NULL;
}

/* The option table of a command: global options first, then the command's own. */
static int
adm_opts_of(const adm_cmd_t *c, adm_opt_t *out)
{
    int n = 0;
    for (size_t i = 0; i < MQ_ARRAY_LEN(adm_global_opts); i++) {
        out[n++] = adm_global_opts[i];
    }
    for (const adm_opt_t *o = c->opts; o != NULL && o->desc != NULL && n < ADM_MAX_OPTS; o++) {
        /* a command may redefine a global option letter; keep the command's */
        int dup = -1;
        for (int i = 0; i < n; i++) {
            if (o->short_name != 0 && out[i].short_name == o->short_name) {
                dup = i;
            }
        }
        if (dup >= 0) {
            out[dup] = *o;
        } else {
            out[n++] = *o;
        }
    }
    return n;
}

static int
adm_opt_cmp(const void *x, const void *y)
{
    const adm_opt_t *a = x, *b = y;
    const char *ka = a->short_name ? (const char[]){a->short_name, 0} : a->long_name;
    const char *kb = b->short_name ? (const char[]){b->short_name, 0} : b->long_name;
    return strcasecmp(ka, kb);
}

/* commons-cli HelpFormatter layout: "usage: mqadmin cmd <opts>" then one line per option. */
static void
adm_usage(FILE *f, const adm_cmd_t *c)
{
    adm_opt_t opts[ADM_MAX_OPTS];
    int n = adm_opts_of(c, opts);
    qsort(opts, (size_t)n, sizeof(opts[0]), adm_opt_cmp);

    fprintf(f, "usage: mqadmin %s", c->name);
    int group_done = 0;
    for (int i = 0; i < n; i++) {
        const adm_opt_t *o = &opts[i];
        int in_group = c->require_one && o->short_name && strchr(c->require_one, o->short_name);
        if (in_group) { /* commons-cli: a required OptionGroup prints as "-b <arg> | -c <arg>" */
            if (!group_done) {
                for (const char *g = c->require_one; *g; g++) {
                    fprintf(f, "%s-%c <arg>", g == c->require_one ? " " : " | ", *g);
                }
            }
            group_done = 1;
            continue;
        }
        const char *open = o->required ? "" : "[";
        const char *close = o->required ? "" : "]";
        if (o->short_name) {
            fprintf(f, " %s-%c%s%s", open, o->short_name, o->has_arg ? " <arg>" : "", close);
        } else {
            fprintf(f, " %s--%s%s%s", open, o->long_name, o->has_arg ? " <arg>" : "", close);
        }
    }
    fprintf(f, "\n");
    for (int i = 0; i < n; i++) {
        const adm_opt_t *o = &opts[i];
        char head[96];
        if (o->short_name) {
            snprintf(head, sizeof(head), " -%c,--%s%s", o->short_name, o->long_name,
                     o->has_arg ? " <arg>" : "");
        } else {
            snprintf(head, sizeof(head), "    --%s%s", o->long_name, o->has_arg ? " <arg>" : "");
        }
        fprintf(f, "%-36s %s\n", head, o->desc);
    }
}

static void
adm_help_all(void)
{
    printf("The most commonly used mqadmin commands are:\n");
    for (size_t g = 0; g < MQ_ARRAY_LEN(adm_groups); g++) {
        for (const adm_cmd_t *c = adm_groups[g]; c->name != NULL; c++) {
            printf("   %-35s %s\n", c->name, c->desc);
        }
    }
    printf("\nSee 'mqadmin help <command>' for more information on a specific command.\n");
}

/* Parses argv (after the subcommand name) against opts. Returns 0 or 1 (message printed). */
static int
adm_parse(const adm_cmd_t *c, const adm_opt_t *opts, int n_opts, int argc, char **argv,
          adm_args_t *out)
{
    memset(out, 0, sizeof(*out));
    out->opts = opts;
    out->n_opts = n_opts;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *inline_val = NULL;
        int k = -1;
        if (s[0] == '-' && s[1] == '-' && s[2] != 0) {
            const char *name = s + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (int j = 0; j < n_opts; j++) {
                if (strlen(opts[j].long_name) == len &&
                    strncmp(opts[j].long_name, name, len) == 0) {
                    k = j;
                }
            }
            if (eq) {
                inline_val = eq + 1;
            }
        } else if (s[0] == '-' && s[1] != 0) {
            for (int j = 0; j < n_opts; j++) {
                if (opts[j].short_name == s[1]) {
                    k = j;
                }
            }
            if (s[2] != 0) {
                inline_val = s + 2;
            }
        } else {
            fprintf(stderr, "mqadmin %s: unexpected argument '%s'\n", c->name, s);
            return 1;
        }
        if (k < 0) {
            fprintf(stderr, "mqadmin %s: Unrecognized option: %s\n", c->name, s);
            return 1;
        }
        if (!opts[k].has_arg) {
            if (inline_val != NULL) {
                fprintf(stderr, "mqadmin %s: option %s takes no value\n", c->name, s);
                return 1;
            }
            out->vals[k] = "";
            continue;
        }
        if (inline_val == NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mqadmin %s: Missing argument for option: %c\n", c->name,
                        opts[k].short_name ? opts[k].short_name : '-');
                return 1;
            }
            inline_val = argv[++i];
        }
        out->vals[k] = inline_val;
    }
    if (out->vals[0] != NULL) { /* -h */
        return 0;
    }
    for (int j = 0; j < n_opts; j++) {
        if (opts[j].required && out->vals[j] == NULL) {
            fprintf(stderr, "mqadmin %s: Missing required option: %c\n", c->name,
                    opts[j].short_name);
            return 1;
        }
    }
    if (c->require_one != NULL) {
        int found = 0;
        for (const char *p = c->require_one; *p; p++) {
            found |= adm_has(out, *p);
        }
        if (!found) {
            fprintf(stderr, "mqadmin %s: Missing required option: one of [", c->name);
            for (const char *p = c->require_one; *p; p++) {
                fprintf(stderr, "%s-%c", p == c->require_one ? "" : ", ", *p);
            }
            fprintf(stderr, "]\n");
            return 1;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        adm_help_all();
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            adm_help_all();
            return 0;
        }
        const adm_cmd_t *c = adm_cmd_find(argv[2]);
        if (c == NULL) {
            fprintf(stderr, "The sub command %s not exist.\n", argv[2]);
            return 1;
        }
        adm_usage(stdout, c);
        return 0;
    }
    const adm_cmd_t *c = adm_cmd_find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "The sub command %s not exist.\n", argv[1]);
        adm_help_all();
        return 1;
    }

    adm_opt_t opts[ADM_MAX_OPTS];
    int n_opts = adm_opts_of(c, opts);
    adm_args_t args;
    if (adm_parse(c, opts, n_opts, argc - 2, argv + 2, &args) != 0) {
        adm_usage(stderr, c);
        return 1;
    }
    if (adm_has(&args, 'h') && opts[0].short_name == 'h') {
        adm_usage(stdout, c);
        return 0;
    }

    adm_t a;
    memset(&a, 0, sizeof(a));
    a.cmd = c->name;
    a.namesrv = adm_arg(&args, 'n');
    if (a.namesrv == NULL || a.namesrv[0] == 0) {
        a.namesrv = getenv("NAMESRV_ADDR");
    }
    if (a.namesrv != NULL && a.namesrv[0] == 0) {
        a.namesrv = NULL;
    }
    mq_pool_init(&a.pool, 64 * 1024);
    if (adm_net_init(&a) != MQ_OK) {
        mq_pool_fini(&a.pool);
        return 1;
    }
    int rc = c->run(&a, &args);
    fflush(stdout);
    adm_net_fini(&a);
    mq_pool_fini(&a.pool);
    return rc == 0 ? 0 : 1;
}
