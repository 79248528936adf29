-- wrk script for scripts/bench_search.sh: many different searches, as many users would send them.
-- Usage: wrk -s scripts/search_mix.lua URL -- PATH MODE
--   PATH  /api/v1/products or /search
--   MODE  "mix"      : searches drawn the way people search: a few words (猕猴桃, 苹果, 茶…) asked
--                      far more often than the rest (Zipf, s = 1, over 53 texts: Chinese words, two
--                      words, phrases, exclusions, pinyin, initials, single characters, places),
--                      some with a county, category or poverty filter, a gift budget (max_price
--                      50…500 yuan), another sort or page 2: 44,520 possible requests.
--         "distinct" : the same, but every request gets a random max_price between 50 and 5,000
--                      yuan, so nearly no request repeats and the server's result cache is useless;
--                      the texts still repeat, so their matches and hits kept by the index serve.
--         "cold"     : as "distinct", and every text is new: a number never searched before is
--                      excluded (茶 -48213), so nothing kept serves: the worst case, every request
--                      runs the full query and reads its hits from the doc store.
-- At the end it prints how many of the requests sent were repeats of an earlier one (per wrk thread,
-- so a slight undercount).

local words = {
  "猕猴桃", "苹果", "茶", "红枣", "富硒茶", "核桃", "蜂蜜", "木耳", "小米", "香菇",
  "大米", "礼盒", "花椒", "樱桃", "绿茶", "挂面", "板栗", "酥梨", "眉县 猕猴桃", "洛川 苹果",
  "富硒", "魔芋", "黄花菜", "鸡蛋", "腊肉", "天麻", "黄芪", "粉条", "菜籽油", "辣子面",
  "枣", "蜜", "米", "紫阳 富硒茶", "柞水 木耳", "富硒 大米", "\"手工挂面\"", "猕猴桃 -徐香",
  "luochuan pingguo", "lcpg", "mixian", "mihoutao", "fxc", "huajiao", "剪纸",
  "洛川县", "商南县", "佳县", "宝鸡", "汉中", "安康", "榆林", "",
}
local counties = { "610326", "610924", "610629", "610430", "610723", "611024", "610828", "610527" }
local categories = { "水果", "茶叶", "粮油米面", "干果坚果", "食用菌" }
local budgets = { 50, 100, 150, 200, 300, 500 }
local sorts = { "price_asc", "price_desc", "newest" }

-- Cumulative Zipf weights over the word list.
local cumulative, total = {}, 0
for rank = 1, #words do
  total = total + 1 / rank
  cumulative[rank] = total
end

local function zipf_word()
  local x = math.random() * total
  for rank = 1, #words do
    if x <= cumulative[rank] then return words[rank] end
  end
  return words[#words]
end

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function pick(list) return list[math.random(#list)] end

local threads = {}
function setup(thread) table.insert(threads, thread) end

local path, mode
-- Globals, so that done() can read them from each thread.
seen, sent, repeats = {}, 0, 0

function init(args)
  path = args[1] or "/api/v1/products"
  mode = args[2] or "mix"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  local parts = {}
  local q = zipf_word()
  if mode == "cold" then
    if q == "" then q = "茶" end
    q = q .. " -" .. math.random(10000000, 99999999)
  end
  if q ~= "" then parts[#parts + 1] = "q=" .. encode(q) end
  local roll = math.random(100)
  if roll <= 20 then
    parts[#parts + 1] = "county=" .. pick(counties)
  elseif roll <= 35 then
    parts[#parts + 1] = "category=" .. encode(pick(categories))
  elseif roll <= 45 then
    parts[#parts + 1] = "poverty=poverty_county"
  end
  if mode == "distinct" or mode == "cold" then
    parts[#parts + 1] = "max_price=" .. math.random(50, 5000)
  elseif math.random(4) == 1 then
    parts[#parts + 1] = "max_price=" .. pick(budgets)
  end
  if math.random(10) <= 3 then parts[#parts + 1] = "sort=" .. pick(sorts) end
  if math.random(10) == 1 then parts[#parts + 1] = "page=2" end
  local url = path .. "?" .. table.concat(parts, "&")
  sent = sent + 1
  if seen[url] then repeats = repeats + 1 else seen[url] = true end
  return wrk.format("GET", url)
end

function done(summary, latency, requests)
  local all, again = 0, 0
  for _, thread in ipairs(threads) do
    all = all + thread:get("sent")
    again = again + thread:get("repeats")
  end
  if all > 0 then
    print(string.format("repeats of an earlier request: %d of %d (%.0f %%)", again, all, 100 * again / all))
  end
end
