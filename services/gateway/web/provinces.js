// Homeward web app: the 34 provincial-level divisions by their GB/T 2260
// codes (the codes the server accepts: mt_rank_facts.c), in Chinese and
// English, in the order of the standard. People choose a name; the API
// gets the code (0: not known).
"use strict";

const HW_PROVINCES = [
  [11, "北京", "Beijing"], [12, "天津", "Tianjin"], [13, "河北", "Hebei"],
  [14, "山西", "Shanxi"], [15, "内蒙古", "Inner Mongolia"], [21, "辽宁", "Liaoning"],
  [22, "吉林", "Jilin"], [23, "黑龙江", "Heilongjiang"], [31, "上海", "Shanghai"],
  [32, "江苏", "Jiangsu"], [33, "浙江", "Zhejiang"], [34, "安徽", "Anhui"],
  [35, "福建", "Fujian"], [36, "江西", "Jiangxi"], [37, "山东", "Shandong"],
  [41, "河南", "Henan"], [42, "湖北", "Hubei"], [43, "湖南", "Hunan"],
  [44, "广东", "Guangdong"], [45, "广西", "Guangxi"], [46, "海南", "Hainan"],
  [50, "重庆", "Chongqing"], [51, "四川", "Sichuan"], [52, "贵州", "Guizhou"],
  [53, "云南", "Yunnan"], [54, "西藏", "Tibet"], [61, "陕西", "Shaanxi"],
  [62, "甘肃", "Gansu"], [63, "青海", "Qinghai"], [64, "宁夏", "Ningxia"],
  [65, "新疆", "Xinjiang"], [71, "台湾", "Taiwan"], [81, "香港", "Hong Kong"],
  [82, "澳门", "Macau"]
];

// A province's name in the page's language; "" for 0 (not recorded), the
// code itself for one this list does not know.
function provinceName (code) {
  const n = Number (code);
  if (!n) return "";
  const p = HW_PROVINCES.find (row => row [0] === n);
  return p ? p [state.lang === "zh-CN" ? 1 : 2] : String (code);
}

// A list to choose a province from; the first choice says what "none"
// means here (emptyKey: "not known" on a form, "all provinces" on a filter).
function provinceSelect (name, value, emptyKey) {
  return el ("select", { name },
    el ("option", { value: "", text: t (emptyKey || "province_unknown") }),
    HW_PROVINCES.map (([code]) => el ("option", { value: String (code), text: provinceName (code),
                                                  selected: Number (value) === code })));
}
