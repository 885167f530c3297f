//  mt_province - the province-level divisions of GB/T 2260 (the mainland's,
//  Taiwan, Hong Kong, Macau): their codes, English and Chinese names and capitals, for
//  checking a case's province, naming it, and how far apart two are.

#include "base/mt_province.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    int code;
    const char *name;
    double lat, lon;                //  of the capital
    const char *name_zh;
} s_province_t;

static const s_province_t s_provinces [] = {
    { 11, "Beijing", 39.90, 116.40, "北京" },      { 12, "Tianjin", 39.13, 117.20, "天津" },
    { 13, "Hebei", 38.04, 114.51, "河北" },        { 14, "Shanxi", 37.87, 112.55, "山西" },
    { 15, "Inner Mongolia", 40.84, 111.75, "内蒙古" }, { 21, "Liaoning", 41.80, 123.43, "辽宁" },
    { 22, "Jilin", 43.82, 125.32, "吉林" },        { 23, "Heilongjiang", 45.80, 126.53, "黑龙江" },
    { 31, "Shanghai", 31.23, 121.47, "上海" },     { 32, "Jiangsu", 32.06, 118.80, "江苏" },
    { 33, "Zhejiang", 30.27, 120.16, "浙江" },     { 34, "Anhui", 31.82, 117.23, "安徽" },
    { 35, "Fujian", 26.07, 119.30, "福建" },       { 36, "Jiangxi", 28.68, 115.86, "江西" },
    { 37, "Shandong", 36.65, 117.12, "山东" },     { 41, "Henan", 34.75, 113.63, "河南" },
    { 42, "Hubei", 30.59, 114.31, "湖北" },        { 43, "Hunan", 28.23, 112.94, "湖南" },
    { 44, "Guangdong", 23.13, 113.26, "广东" },    { 45, "Guangxi", 22.82, 108.37, "广西" },
    { 46, "Hainan", 20.04, 110.35, "海南" },       { 50, "Chongqing", 29.56, 106.55, "重庆" },
    { 51, "Sichuan", 30.66, 104.07, "四川" },      { 52, "Guizhou", 26.65, 106.63, "贵州" },
    { 53, "Yunnan", 25.04, 102.71, "云南" },       { 54, "Tibet", 29.65, 91.14, "西藏" },
    { 61, "Shaanxi", 34.34, 108.94, "陕西" },      { 62, "Gansu", 36.06, 103.83, "甘肃" },
    { 63, "Qinghai", 36.62, 101.78, "青海" },      { 64, "Ningxia", 38.49, 106.23, "宁夏" },
    { 65, "Xinjiang", 43.83, 87.62, "新疆" },      { 71, "Taiwan", 25.03, 121.57, "台湾" },
    { 81, "Hong Kong", 22.32, 114.17, "香港" },    { 82, "Macau", 22.20, 113.54, "澳门" },
};

static const s_province_t *
s_province (int code)
{
    for (size_t i = 0; i < sizeof s_provinces / sizeof s_provinces [0]; i++)
        if (s_provinces [i].code == code)
            return &s_provinces [i];
    return NULL;
}

const char *
mt_province_name (int code)
{
    const s_province_t *p = s_province (code);
    return p ? p->name : "unknown";
}

const char *
mt_province_name_zh (int code)
{
    const s_province_t *p = s_province (code);
    return p ? p->name_zh : "未知";
}

double
mt_province_distance_km (int a, int b)
{
    const s_province_t *p = s_province (a), *q = s_province (b);
    if (!p || !q)
        return -1;
    const double rad = 3.14159265358979323846 / 180;
    double dlat = (q->lat - p->lat) * rad, dlon = (q->lon - p->lon) * rad;
    double h = sin (dlat / 2) * sin (dlat / 2)
             + cos (p->lat * rad) * cos (q->lat * rad) * sin (dlon / 2) * sin (dlon / 2);
    return 2 * 6371 * asin (sqrt (h));
}

bool
mt_province_known (int code)
{
    return code == 0 || s_province (code) != NULL;
}
