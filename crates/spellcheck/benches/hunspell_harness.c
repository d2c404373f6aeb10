/* The libhunspell side of the spellcheck bench: loads a dictionary and checks one word per line.
 * Usage: hunspell_harness AFF DIC WORDS ROUNDS
 * Prints: "load_ns <median> check_ns <median> words <n> wrong <n>"; times are the thread's CPU
 * time, so that a busy machine does not count another process's turn. */
#include <hunspell/hunspell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s AFF DIC WORDS ROUNDS\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[4]);
    if (rounds < 1 || rounds > 64) rounds = 3;
    FILE *f = fopen(argv[3], "rb");
    if (!f) { perror(argv[3]); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(size + 1);
    if (!text || fread(text, 1, size, f) != (size_t)size) { fprintf(stderr, "read failed\n"); return 1; }
    text[size] = 0;
    fclose(f);
    size_t n = 0;
    for (long i = 0; i < size; i++) if (text[i] == '\n') n++;
    char **words = malloc(sizeof(char *) * (n + 1));
    size_t k = 0;
    char *p = text;
    for (long i = 0; i < size; i++) {
        if (text[i] == '\n') { text[i] = 0; words[k++] = p; p = text + i + 1; }
    }
    long long loads[64], checks[64];
    Hunhandle *h = NULL;
    for (int r = 0; r < rounds; r++) {
        long long t0 = now_ns();
        Hunhandle *x = Hunspell_create(argv[1], argv[2]);
        loads[r] = now_ns() - t0;
        if (h) Hunspell_destroy(h);
        h = x;
    }
    size_t wrong = 0;
    for (int r = 0; r < rounds; r++) {
        wrong = 0;
        long long t0 = now_ns();
        for (size_t i = 0; i < k; i++) wrong += !Hunspell_spell(h, words[i]);
        checks[r] = now_ns() - t0;
    }
    qsort(loads, rounds, sizeof(long long), cmp);
    qsort(checks, rounds, sizeof(long long), cmp);
    printf("load_ns %lld check_ns %lld words %zu wrong %zu\n", loads[rounds / 2], checks[rounds / 2], k, wrong);
    Hunspell_destroy(h);
    free(words);
    free(text);
    return 0;
}
